"""An output that keeps what it is sent: headless takes, tests and `--port none` runs.

It is a real product feature (the instrument can play with no MIDI system at all), and the
engine tests compare its whole event list, isobar-style.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from musicai.live.engine.clock import Clock
from musicai.live.midi.ports import OutputPort


@dataclass(frozen=True)
class Sent:
    time: float | None  # the scheduled time the engine gave, None for panic traffic
    message: tuple[int, ...]


class RecordingOutput(OutputPort):
    def __init__(self, name: str = "recording", clock: Clock | None = None) -> None:
        super().__init__()
        self.name = name
        self.clock = clock
        self.sent: list[Sent] = []
        self.actual: list[float] = []

    def _send(self, message: Sequence[int], when: float | None) -> None:
        self.sent.append(Sent(when, tuple(message)))
        if self.clock is not None:
            self.actual.append(self.clock.now())

    def notes(self) -> list[tuple[float, int, int, int]]:
        """(time, channel, pitch, velocity) of every note-on, in order."""
        return [
            (s.time, s.message[0] & 0x0F, s.message[1], s.message[2])
            for s in self.sent
            if s.time is not None and s.message[0] & 0xF0 == 0x90 and s.message[2] > 0
        ]
