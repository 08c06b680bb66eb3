"""The engine's timeline: the note-offs it owes and the MIDI clock pulses it sends, by tick.

Clock -> timeline -> output (isobar's shape): the loop asks for the next timed tick, waits for
it on the clock, then pops what falls there and sends it. Every note-on the engine sends puts
its note-off here, so a stop can release exactly what sounds.
"""

from __future__ import annotations

import heapq
import itertools

from musicai.live.midi.messages import CLOCK, CLOCK_TICKS, note_off


class Timeline:
    def __init__(self) -> None:
        self._offs: list[tuple[int, int, int, int]] = []  # heap of (tick, seq, channel, pitch)
        self._seq = itertools.count()
        self.next_pulse: int | None = None  # tick of the next outgoing clock pulse

    def note_off_at(self, tick: int, channel: int, pitch: int) -> None:
        heapq.heappush(self._offs, (tick, next(self._seq), channel, pitch))

    def next_tick(self) -> int | None:
        """Tick of the next note-off or clock pulse (the pulse first on a tie)."""
        off = self._offs[0][0] if self._offs else None
        pulse = self.next_pulse
        if pulse is None:
            return off
        return pulse if off is None or pulse <= off else off

    def pop(self, tick: int) -> list[int]:
        """The message due at ``tick`` (from ``next_tick``), taken off the timeline."""
        if self.next_pulse == tick:
            self.next_pulse = tick + CLOCK_TICKS
            return [CLOCK]
        _, _, channel, pitch = heapq.heappop(self._offs)
        return note_off(channel, pitch)

    def pop_off(self) -> tuple[int, list[int]]:
        """The earliest note-off, whatever its tick: (tick, message)."""
        tick, _, channel, pitch = heapq.heappop(self._offs)
        return tick, note_off(channel, pitch)

    @property
    def owes_offs(self) -> bool:
        return bool(self._offs)

    def last_off(self) -> int:
        return max((tick for tick, *_ in self._offs), default=0)

    def clear_offs(self) -> None:
        """Forget the owed note-offs (a panic has just silenced everything)."""
        self._offs.clear()
