"""From played cells and the human reference to tallies, figures and the report's rows.

Cells of one source, temperature and direction are pooled over the keys for the summary;
every cell also keeps its own row. The headline sentences are built here from the same
numbers, so the README's figures can be quoted straight from RESULTS.md.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from musicai.training.evaluation import plots
from musicai.training.evaluation.grid import NO_DIRECTION, RAW, Cell, Source
from musicai.training.evaluation.reference import Reference
from musicai.training.evaluation.report import Report
from musicai.training.evaluation.takes import Take
from musicai.training.evaluation.tally import Tally

HUMAN = "human (held out)"


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class Results:
    """Tallies per cell and per (source, temperature, direction), in play order."""

    def __init__(self, played: Sequence[tuple[Cell, Take]], reference: Reference | None) -> None:
        self.played = played
        self.cell_tallies: list[tuple[Cell, Tally]] = []
        self.groups: dict[tuple[Source, float, str], Tally] = defaultdict(Tally)
        for cell, take in played:
            one = Tally()
            one.add(take.pitches, take.durations, cell.key, take.cadences)
            self.cell_tallies.append((cell, one))
            self.groups[(cell.source, cell.temperature, cell.direction)].add(
                take.pitches, take.durations, cell.key, take.cadences)
        self.reference = reference
        self.human = Tally()
        self.human_major, self.human_minor = Tally(), Tally()
        for pitches, durations, key in reference.melodies if reference else ():
            self.human.add(pitches, durations, key)
            (self.human_minor if key.is_minor else self.human_major).add(pitches, durations, key)

    @property
    def sources(self) -> list[Source]:
        return list(dict.fromkeys(cell.source for cell, _ in self.played))

    @property
    def temperatures(self) -> list[float]:
        return list(dict.fromkeys(cell.temperature for cell, _ in self.played))

    @staticmethod
    def main_direction(source: Source) -> str:
        return NO_DIRECTION if source.kind == RAW else "auto"

    # rows ----------------------------------------------------------------------------------
    def summary_rows(self) -> list[tuple[list[str], dict]]:
        rows = [([s.name, str(t)], self.groups[(s, t, self.main_direction(s))].row())
                for s in self.sources for t in self.temperatures
                if (s, t, self.main_direction(s)) in self.groups]
        if self.human.melodies:
            rows.append(([HUMAN, "–"], self.human.row()))
        return rows

    def direction_rows(self) -> list[tuple[list[str], dict]]:
        rows = []
        for s in self.sources:
            for t in self.temperatures:
                found = {d: self.groups.get((s, t, d)) for d in ("up", "down", "auto")}
                if found["up"] is None or found["down"] is None:
                    continue
                auto = found["auto"] or Tally()
                rows.append(([s.name, str(t)], {
                    "up_up": found["up"].adherence("up"),
                    "up_phrase": found["up"].phrase_adherence("up"),
                    "down_phrase": found["down"].phrase_adherence("down"),
                    "up_free": found["up"].free_adherence("up"),
                    "down_down": found["down"].adherence("down"),
                    "down_free": found["down"].free_adherence("down"),
                    "auto_up": auto.adherence("up"),
                    "up_pitch": found["up"].row()["mean_pitch"],
                    "auto_pitch": auto.row()["mean_pitch"],
                    "down_pitch": found["down"].row()["mean_pitch"]}))
        if self.human.melodies:
            rows.append(([HUMAN, "–"], {"auto_up": self.human.adherence("up"),
                                        "auto_pitch": self.human.row()["mean_pitch"]}))
        return rows

    def cell_rows(self) -> list[tuple[list[str], dict]]:
        return [([c.source.name, c.key.name, str(c.temperature), c.direction], t.row())
                for c, t in self.cell_tallies]

    # figures -------------------------------------------------------------------------------
    def figures(self, out: Path) -> list[tuple[str, str]]:
        made = []
        keys = list(dict.fromkeys(cell.key for cell, _ in self.played))
        temps = self.temperatures
        for source in self.sources:
            counts = {(c.key, c.temperature): t.pitch_classes for c, t in self.cell_tallies
                      if c.source == source and c.direction == self.main_direction(source)}
            name = f"pc-{slug(source.name)}.png"
            plots.pitch_class_figure(source.name, counts, keys, temps, out / name)
            made.append((f"Pitch classes: {source.name}", name))
        if self.human.melodies:
            plots.reference_figure(self.human_major.degrees, self.human_minor.degrees,
                                   (self.human_major.melodies, self.human_minor.melodies),
                                   out / "pc-human.png")
            made.append(("Pitch classes: human reference (held out)", "pc-human.png"))
        curves = {t: {s.name: self.groups[(s, t, self.main_direction(s))].interval_counts
                      for s in self.sources if (s, t, self.main_direction(s)) in self.groups}
                  for t in temps}
        if curves:
            plots.interval_figure(curves, self.human.interval_counts, out / "intervals.png")
            made.append(("Intervals", "intervals.png"))
        rolls = self.rolls()
        if rolls:
            plots.piano_roll_figure(rolls, out / "piano-rolls.png")
            made.append(("Piano rolls: 16 bars each, phrase lines every 4 bars",
                         "piano-rolls.png"))
        return made

    def rolls(self, temperature: float = 1.0) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """The first key's takes at ``temperature`` of the theory sources, and one human tune
        of 16 bars or more (the first in the reference)."""
        if not self.played:
            return []
        first_key = self.played[0][0].key
        out = []
        for cell, take in self.played:
            if (cell.key == first_key and cell.temperature == temperature
                    and cell.direction == "auto" and cell.source.kind != RAW):
                out.append((f"{cell.source.name}, {cell.key.name}, T {temperature:g}",
                            take.pitches, take.durations))
        for pitches, durations, key in self.reference.melodies if self.reference else ():
            if int(np.asarray(durations).sum()) >= plots.ROLL_BARS * 1920:
                out.append((f"{HUMAN}, in {key.name}", pitches, durations))
                break
        return out

    # headline ------------------------------------------------------------------------------
    def headline(self, temperature: float = 1.0) -> list[str]:
        lines = []
        get = self.groups.get
        for s in self.sources:
            if s.kind != RAW:
                continue
            theory = next((x for x in self.sources if x.model == s.model and x.kind != RAW),
                          None)
            raw, shaped = get((s, temperature, NO_DIRECTION)), get((theory, temperature, "auto"))
            if raw and shaped:
                lines.append(f"in key at T {temperature}, {Path(str(s.model)).stem}: "
                             f"{_pc(raw.row()['in_key'])} raw, {_pc(shaped.row()['in_key'])} "
                             "through the theory sampler")
        for s in self.sources:
            up, down = get((s, temperature, "up")), get((s, temperature, "down"))
            if up and down:
                lines.append(f"direction adherence at T {temperature}, {s.name}: "
                             f"{_pc(up.adherence('up'))} of moves up with `up`, "
                             f"{_pc(down.adherence('down'))} down with `down`; away from the "
                             f"register walls {_pc(up.free_adherence('up'))} and "
                             f"{_pc(down.free_adherence('down'))}")
        for s in self.sources:
            group = get((s, temperature, self.main_direction(s)))
            if group and s.kind != RAW:
                r = group.row()
                lines.append(f"form at T {temperature}, {s.name}: {_pc(r['recurrence'])} of bars "
                             f"recur within 8 bars ({_pc(r['recur_exact'])} exact, "
                             f"{_pc(r['recur_varied'])} varied), {r['notes_per_bar']:.2f} notes "
                             "per bar")
        if self.human.melodies:
            h = self.human.row()
            lines.append(f"human reference: {_pc(h['recurrence'])} of bars recur "
                         f"({_pc(h['recur_exact'])} exact, {_pc(h['recur_varied'])} varied), "
                         f"{h['notes_per_bar']:.2f} notes per bar")
            lines.append(f"human reference ({self.human.melodies} held-out melodies): in key "
                         f"{_pc(h['in_key'])}, H(pc) {h['entropy']:.2f} bits, 4-gram repeats "
                         f"{_pc(h['repeats'])}, steps {_pc(h['steps'])}")
        return lines


def _pc(value: float) -> str:
    return "–" if np.isnan(value) else f"{100 * value:.1f} %"


def build_report(results: Results, command: str, setup: list[str], out: Path) -> Report:
    report = Report(command=command, setup=setup)
    report.summary = results.summary_rows()
    report.directions = results.direction_rows()
    report.cells = results.cell_rows()
    report.headline = results.headline()
    report.figures = results.figures(out)
    return report

