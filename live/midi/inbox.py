"""What a MIDI input hands the engine, filtered on the input's own thread.

``Inbox.feed`` is called by the input's drain thread (``input.py`` polling rtmidi's queue, or
``jack_input.py`` draining its ring), never by the engine; it does the least it can and never
blocks: system exclusive, active sensing and (unless following clock) timing clock never get
here (the backend drops them before any Python runs, or the JACK process callback skips them);
what does get here is checked and then either ignored (controllers nobody mapped,
aftertouch, note-offs for notes that are not down) or appended to a bounded deque as a small
tuple ``(time, status, a, b)``, which wakes the engine. Clock pulses are coalesced: each only
appends ``(sequence number, time)`` to a ring and wakes nobody, unless the engine waits for the
first pulse after a Start. Running status is resolved here; malformed messages are counted.

Counters (plain ints written only on the backend's thread, read anywhere): ``received``,
``ignored``, ``bad`` (malformed), ``dropped`` (the engine did not drain in time: the deque was
full). ``lost`` is set by the input watch (main thread) while the port is gone.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

from musicai.live.midi.messages import CLOCK, CONTINUE, START, STOP

NOTE_OFF, NOTE_ON, CONTROL, SONG_POSITION = 0x80, 0x90, 0xB0, 0xF2
CAPACITY = 4096  # messages waiting for the engine
PULSES = 1024  # clock pulses kept (42 beats); sequence numbers stay exact past that
_TRANSPORT = frozenset({START, CONTINUE, STOP})

Message = tuple[float, int, int, int]  # (perf_counter time, status, data 1, data 2)


class Inbox:
    """The hand-over between the input callback and the engine thread."""

    def __init__(self, controllers: Iterable[int] = (), clock: bool = False,
                 capacity: int = CAPACITY) -> None:
        self.controllers = frozenset(controllers)
        self.clock = clock  # following MIDI clock: keep pulses, transport and song position
        self.capacity = capacity
        self.messages: deque[Message] = deque()
        self.pulses: deque[tuple[int, float]] = deque(maxlen=PULSES)
        self.wake: Callable[[], None] | None = None
        self.wake_on_pulse = False
        self.received = self.ignored = self.bad = self.dropped = 0
        self.lost = ""
        self._seq = 0  # clock pulses seen
        self._running = 0  # running status: the last channel status byte
        self._down = bytearray(16 * 128)  # notes held, per channel and pitch

    # the backend's thread -------------------------------------------------------------------
    def feed(self, data: list[int], when: float) -> None:
        """Take one message as the backend delivered it; never blocks, never raises."""
        self.received += 1
        if not data:
            self.bad += 1
            return
        status = data[0]
        if status >= 0xF8:  # real time: may come between any bytes, keeps running status
            self._real_time(status, when)
            return
        if status < 0x80:  # running status: data bytes for the last channel status
            if not self._running:
                self.bad += 1
                return
            status, body = self._running, data
        else:
            self._running = status if status < 0xF0 else 0  # system common cancels it
            body = data[1:]
        if status >= 0xF0:
            self._system(status, body, when)
        elif len(body) == 2:
            self._channel(status, body[0], body[1], when)
        elif len(body) > 2 and len(body) % 2 == 0:  # several messages under one status
            for i in range(0, len(body), 2):
                self._channel(status, body[i], body[i + 1], when)
        elif status & 0xF0 in (0xC0, 0xD0) and len(body) == 1:
            self.ignored += 1  # program change, channel pressure: not used
        else:
            self.bad += 1

    def _real_time(self, status: int, when: float) -> None:
        if status == CLOCK and self.clock:
            self._seq += 1
            self.pulses.append((self._seq, when))
            if self.wake_on_pulse and self.wake is not None:
                self.wake()
        elif status in _TRANSPORT and self.clock:
            self._put((when, status, 0, self._seq))  # like song position: (value, seq)
        else:
            self.ignored += 1

    def _system(self, status: int, body: list[int], when: float) -> None:
        if status == SONG_POSITION and self.clock:
            if len(body) == 2 and not (body[0] | body[1]) & 0x80:
                self._put((when, status, body[0] | body[1] << 7, self._seq))
            else:
                self.bad += 1
        else:
            self.ignored += 1

    def _channel(self, status: int, a: int, b: int, when: float) -> None:
        if (a | b) & 0x80:
            self.bad += 1
            return
        kind, channel = status & 0xF0, status & 0x0F
        if kind == NOTE_ON and b:
            self._down[channel << 7 | a] = 1
            self._put((when, status, a, b))
        elif kind in (NOTE_ON, NOTE_OFF):
            if not self._down[channel << 7 | a]:
                self.ignored += 1  # a note-off for a note that is not down
                return
            self._down[channel << 7 | a] = 0
            self._put((when, NOTE_OFF | channel, a, 0))
        elif kind == CONTROL and a in self.controllers:
            self._put((when, status, a, b))
        else:
            self.ignored += 1

    def _put(self, message: Message) -> None:
        if len(self.messages) >= self.capacity:
            self.dropped += 1
            return
        self.messages.append(message)
        if self.wake is not None:
            self.wake()

    # the engine thread ----------------------------------------------------------------------
    def drain(self) -> list[Message]:
        """Everything waiting, oldest first."""
        out, pop = [], self.messages.popleft
        for _ in range(len(self.messages)):
            out.append(pop())
        return out

    def take_pulses(self) -> list[tuple[int, float]]:
        """Clock pulses since the last call: (sequence number, time)."""
        out, pop = [], self.pulses.popleft
        for _ in range(len(self.pulses)):
            out.append(pop())
        return out

    def release_all(self) -> None:
        """Forget which notes are down (the port was lost: their note-offs never come)."""
        self._down[:] = bytes(len(self._down))
