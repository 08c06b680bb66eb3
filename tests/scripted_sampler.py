"""A sampler for engine tests: a fixed cycle of notes, no music theory (shared by the engine
and clock-sync tests)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Choice:
    pitch: int | None
    duration: int
    velocity: int


class ScriptedSampler:
    """Plays a fixed cycle of (pitch, duration); ``apply('transpose', n)`` shifts it."""

    def __init__(self, script: list[tuple[int | None, int]]) -> None:
        self.script = script
        self.index = 0
        self.transpose = 0
        self.seen_logits: list[np.ndarray] = []

    def harmony_for(self, onset_tick: int) -> int:
        return 0b1001_0001  # C major triad

    def choose(self, pitch_logits, duration_logits, onset_tick):
        self.seen_logits.append(pitch_logits)
        pitch, duration = self.script[self.index % len(self.script)]
        self.index += 1
        return Choice(None if pitch is None else pitch + self.transpose, duration, 100)

    def apply(self, setting: str, value: object) -> None:
        if setting != "transpose":
            raise ValueError(f"no setting {setting}")
        self.transpose = int(value)

    def describe(self) -> dict:
        return {"transpose": self.transpose, "phrase_start": self.index % 4 == 0}
