"""Everything the theory sampler remembers between notes, in one copyable object.

The random generator lives here too, so ``state.copy()`` taken before a note and handed to a
fresh sampler with the same settings and logits replays exactly the same notes (a take can be
re-rendered, a test can branch). Histories keep the last ``HISTORY`` events only.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
from musicai.live.sampler.form import FREE, BarPlan
from musicai.live.sampler.motif import MotifMemory

HISTORY = 64


@dataclass
class SamplerState:
    """Mutable sampler state; the sampler is its only writer."""

    rng: np.random.Generator = field(default_factory=np.random.default_rng)
    next_onset: int = 0  # tick where the next event starts
    phrase_pos: int = 0  # notes already played in this phrase
    cadence_phrase: int = -1  # phrases in bars: the last phrase that had its cadence
    last_phrase: int = -1  # phrases in bars: the phrase of the last note
    after_cadence: bool = False  # the previous event was a cadence note
    bar: int = 0  # bar of the last event
    chord_index: int = 0  # index in the progression of the chord under the last event
    pitches: list[int | None] = field(default_factory=list)  # events, None = rest
    durations: list[int] = field(default_factory=list)
    pitch_ids: list[int] = field(default_factory=list)  # notes only, as vocabulary ids
    run_id: int = -1  # pitch id of the current run of equal notes
    run_length: int = 0
    last_interval: int = 0  # semitones between the last two notes
    rests_in_row: int = 0
    rest_ticks: int = 0  # silence since the last note
    last_velocity: int = 0
    events: int = 0
    # form: what was played, bar by bar, and what this bar does (``form``, ``motif``)
    memory: MotifMemory = field(default_factory=MotifMemory)
    plan_rng: np.random.Generator = field(default_factory=np.random.default_rng)
    plan: BarPlan = FREE
    plan_bar: int = -1  # the bar the plan is for
    loop_from: int | None = None  # the first bar of a loop that is going round
    bar_notes: int = 0  # notes so far in the plan's bar
    density_offset: float = 0.0  # log2 ticks: the density pull's correction, bar by bar
    restated: tuple[int | None, ...] = ()  # the plan's source bar, transposed for now
    restated_for: tuple | None = None  # what ``restated`` was computed for

    @classmethod
    def seeded(cls, seed: int | None = None) -> SamplerState:
        """A fresh state whose generator is ``numpy.random.default_rng(seed)``; the form's
        decisions draw from a second generator of the same seed, so they never shift the
        note-level draws."""
        plan = np.random.default_rng(None if seed is None else [seed, 0x5EED])
        return cls(rng=np.random.default_rng(seed), plan_rng=plan)

    def copy(self) -> SamplerState:
        """An independent copy, generator position included."""
        return copy.deepcopy(self)

    @property
    def last_pitch_id(self) -> int:
        """The vocabulary id of the last note (0 when there was none yet)."""
        return self.pitch_ids[-1] if self.pitch_ids else 0

    def record(self, pitch: int | None, duration: int, pitch_id: int) -> None:
        """Append one event to the histories and update the runs."""
        self.pitches.append(pitch)
        self.durations.append(duration)
        self.events += 1
        if pitch is None:
            self.rests_in_row += 1
            self.rest_ticks += duration
        else:
            if self.pitch_ids:
                self.last_interval = pitch_id - self.pitch_ids[-1]
            self.pitch_ids.append(pitch_id)
            self.run_length = self.run_length + 1 if pitch_id == self.run_id else 1
            self.run_id = pitch_id
            self.rests_in_row = 0
            self.rest_ticks = 0
        if len(self.pitches) > 2 * HISTORY:
            del self.pitches[:-HISTORY], self.durations[:-HISTORY]
        if len(self.pitch_ids) > 2 * HISTORY:
            del self.pitch_ids[:-HISTORY]
