"""Pooling the statistics of many melodies into one table row.

A grid cell holds one generated take; the human reference holds hundreds of melodies in
different keys. Counts (notes in key, intervals, phrase ends on the tonic, moves up and down)
are summed, so a ratio weighs every note the same; statistics that grow with a melody's
length (repeats, runs, entropy) are taken over fixed pieces of ``CHUNK`` notes and averaged,
so a 200-note take and a 60-note folk tune are measured alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from musicai.live.sampler.contour import WALL_ZONE
from musicai.live.sampler.settings import SamplerSettings
from musicai.live.theory.keys import Key
from musicai.training.evaluation import metrics as mm

CHUNK = 32  # notes per piece for the length-dependent statistics
NGRAM = 4  # notes per window of the repeated n-gram rate
_DEFAULTS = SamplerSettings()
#: Where the theory sampler applies a rising (falling) direction: below (above) the wall zone
#: of its default register; closer to the wall it lets the wall turn the line around.
FREE_STARTS = {"up": (0, _DEFAULTS.register_high - WALL_ZONE - 1),
               "down": (_DEFAULTS.register_low + WALL_ZONE + 1, 127)}


@dataclass
class Tally:
    """Sums over the melodies added so far (see the module docstring)."""

    melodies: int = 0
    notes: int = 0
    ticks: int = 0
    in_key: int = 0
    pitch_classes: np.ndarray = field(default_factory=lambda: np.zeros(12))  # absolute, C first
    degrees: np.ndarray = field(default_factory=lambda: np.zeros(12))  # from the tonic
    interval_counts: np.ndarray = field(
        default_factory=lambda: np.zeros(2 * mm.MAX_INTERVAL + 1))
    pitch_sum: float = 0.0
    free_moves: dict[str, list[int]] = field(
        default_factory=lambda: {d: [0, 0] for d in FREE_STARTS})  # [wanted, all] away from walls
    ends: int = 0
    tonic_ends: int = 0
    marked: int = 0  # the theory sampler's own cadences (takes that carry them)
    tonic_marked: int = 0
    max_run: int = 0
    runs: list[int] = field(default_factory=list)
    repeats: list[float] = field(default_factory=list)
    entropies: list[float] = field(default_factory=list)
    exact: list[float] = field(default_factory=list)  # bar recurrence per melody
    varied: list[float] = field(default_factory=list)
    phrase_moves: dict[str, list[float]] = field(
        default_factory=lambda: {d: [] for d in FREE_STARTS})  # per-phrase adherence

    def add(self, pitches: np.ndarray, durations: np.ndarray, key: Key,
            cadences: np.ndarray | None = None) -> None:
        """Count one melody, measured against ``key`` (its scale and tonic); ``cadences``
        marks the events the theory sampler meant as phrase ends, when known."""
        pitches = np.asarray(pitches, dtype=np.int64)
        notes = mm.notes_only(pitches)
        self.melodies += 1
        self.notes += notes.size
        self.ticks += int(np.asarray(durations).sum())
        self.in_key += int(mm.scale_member(notes, key.mask).sum())
        self.pitch_sum += float(notes.sum())
        moves, starts = np.diff(notes), notes[:-1]
        for direction, (low, high) in FREE_STARTS.items():
            counted = (starts >= low) & (starts <= high) & (moves != 0)
            wanted = counted & (moves > 0 if direction == "up" else moves < 0)
            self.free_moves[direction][0] += int(wanted.sum())
            self.free_moves[direction][1] += int(counted.sum())
        self.pitch_classes += mm.pitch_class_counts(pitches)
        self.degrees += mm.pitch_class_counts(pitches, key.tonic)
        self.interval_counts += mm.interval_histogram(pitches)
        ends = mm.phrase_ends(pitches, durations)
        self.ends += ends.size
        self.tonic_ends += int((pitches[ends] % 12 == key.tonic).sum())
        if cadences is not None:
            marked = pitches[np.asarray(cadences, dtype=bool) & (pitches != mm.REST)]
            self.marked += marked.size
            self.tonic_marked += int((marked % 12 == key.tonic).sum())
        self.max_run = max(self.max_run, mm.longest_run(pitches))
        exact, varied = mm.bar_recurrence(pitches, durations)
        if exact == exact:
            self.exact.append(exact)
            self.varied.append(varied)
        for direction in FREE_STARTS:
            share = mm.direction_per_phrase(pitches, direction)
            if share == share:
                self.phrase_moves[direction].append(share)
        for piece, _ in mm.chunks(pitches, durations, CHUNK):
            self.runs.append(mm.longest_run(piece))
            self.repeats.append(mm.repeated_ngram_rate(piece, NGRAM))
            self.entropies.append(mm.pitch_class_entropy(piece))

    # what a table shows --------------------------------------------------------------------
    def moves(self) -> tuple[int, int, int]:
        """(intervals, up moves, down moves)."""
        c, mid = self.interval_counts, mm.MAX_INTERVAL
        return int(c.sum()), int(c[mid + 1:].sum()), int(c[:mid].sum())

    def adherence(self, direction: str) -> float:
        """Share of moves going ``direction`` ("up"/"down"); for anything else, up moves."""
        _, up, down = self.moves()
        wanted = down if direction == "down" else up
        return wanted / (up + down) if up + down else float("nan")

    def free_adherence(self, direction: str) -> float:
        """``adherence`` counting only moves from notes where the sampler applies the
        direction (``FREE_STARTS``): what it does when the walls leave it free."""
        wanted, moved = self.free_moves[direction]
        return wanted / moved if moved else float("nan")

    def row(self) -> dict[str, float]:
        total, _, _ = self.moves()
        mid = mm.MAX_INTERVAL
        steps = self.interval_counts[mid - mm.STEP:mid].sum() + self.interval_counts[
            mid + 1:mid + mm.STEP + 1].sum()
        return {
            "melodies": float(self.melodies),
            "notes": float(self.notes),
            "notes_per_bar": _div(self.notes * mm.BAR_TICKS, self.ticks),
            "mean_pitch": _div(self.pitch_sum, self.notes),
            "in_key": _div(self.in_key, self.notes),
            "cadence": _div(self.tonic_ends, self.ends),
            "marked_cadence": _div(self.tonic_marked, self.marked),
            "tonic": _div(self.degrees[0], self.notes),
            "up": self.adherence("up"),
            "steps": _div(steps, total),
            "entropy": _mean(self.entropies),
            "repeats": _mean(self.repeats),
            "run": _mean(self.runs),
            "max_run": float(self.max_run),
            "recur_exact": _mean(self.exact),
            "recur_varied": _mean(self.varied),
            "recurrence": _mean([a + b for a, b in zip(self.exact, self.varied, strict=True)]),
        }

    def phrase_adherence(self, direction: str) -> float:
        """Mean share of moves going ``direction`` inside 8-note phrases."""
        return _mean(self.phrase_moves[direction])


def _div(part: float, whole: float) -> float:
    return float(part) / float(whole) if whole else float("nan")


def _mean(values: list[float]) -> float:
    finite = [v for v in values if np.isfinite(v)]
    return float(np.mean(finite)) if finite else float("nan")
