"""Musical time <-> wall time, with tempo changes that keep the phase.

Inside the engine everything is in ticks (480 per quarter). A ``TempoMap`` is one straight
line from ticks to seconds, re-anchored at the current position on every tempo change, so a
change never makes the beat jump: the tick sounding now stays the tick sounding now, and only
what lies ahead speeds up or slows down.
"""

from __future__ import annotations

from dataclasses import dataclass

from musicai.live.encoding.grid import TICKS_PER_QUARTER
from musicai.live.errors import MusicAIError

MIN_BPM, MAX_BPM = 20.0, 400.0


class TempoError(MusicAIError, ValueError):
    """A tempo outside what the engine can play."""


def check_bpm(bpm: float) -> float:
    if not MIN_BPM <= bpm <= MAX_BPM:
        raise TempoError(f"bpm {bpm:g} is out of range; use {MIN_BPM:g} to {MAX_BPM:g}")
    return float(bpm)


@dataclass
class TempoMap:
    bpm: float = 120.0
    anchor_tick: float = 0.0
    anchor_time: float = 0.0

    def __post_init__(self) -> None:
        self.bpm = check_bpm(self.bpm)

    @property
    def seconds_per_tick(self) -> float:
        return 60.0 / (self.bpm * TICKS_PER_QUARTER)

    def time_of(self, tick: float) -> float:
        return self.anchor_time + (tick - self.anchor_tick) * self.seconds_per_tick

    def tick_at(self, time: float) -> float:
        return self.anchor_tick + (time - self.anchor_time) / self.seconds_per_tick

    def start(self, time: float, tick: float = 0.0) -> None:
        """Put ``tick`` at wall time ``time`` (the transport starts or restarts)."""
        self.anchor_tick, self.anchor_time = tick, time

    def set_bpm(self, bpm: float, at_time: float) -> None:
        """Change tempo at ``at_time`` without moving the musical position sounding then."""
        bpm = check_bpm(bpm)
        self.anchor_tick = self.tick_at(at_time)
        self.anchor_time = at_time
        self.bpm = bpm
