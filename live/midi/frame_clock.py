"""JACK frames and ``time.perf_counter()`` seconds, for one JACK-Client client.

JACK's own estimate of the frame now (``jack_frame_time``) is anchored on the moment the
current cycle woke up, so every late wake-up (a loaded machine, a dummy driver) moves it,
and a message placed by it lands off its frame by that much. Here each process callback
pairs the frame now (the cycle's first frame plus JACK's count of frames since the cycle
began, so the GIL's delay before our Python runs does not enter) with the clock; a late
wake-up makes the pair late, never early, so the clock uses the earliest pair of the last
two windows (a window is ``WINDOW`` or ``CYCLES`` periods, whichever is longer: 50 ms at 64
frames, 341 ms at 1024). Output (a due time -> its frame) and input (a message's frame ->
its time) share it, so a note answered at a pulse's time lands at that pulse's frame. A
server whose cycles fall behind for longer (the dummy driver re-anchoring after an overload)
is followed within two windows. Frames are unwrapped past JACK's 32 bits (a day at 48 kHz).
"""

from __future__ import annotations

WINDOW = 0.05  # seconds
#: seconds the frame clock may differ from JACK's own estimate of the frame now before a port
#: trusts the estimate instead (a server that stalled for seconds, e.g. on a killed client)
STALE = 0.1
CYCLES = 16  # periods a window holds at least, so a long period still has pairs to choose from
WRAP = 1 << 32


class FrameClock:
    """Written by the process callback (``cycle``), read anywhere (one float, one int)."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.offset: float | None = None  # seconds minus frame / rate; None before a cycle
        self._window_min = float("inf")
        self._last_min = float("inf")
        self._window_ends = 0.0
        self._last_start = 0
        self._wraps = 0

    def cycle(self, start: int, now: float, frames: int, since: int) -> int:
        """JACK's thread, once per cycle: ``start`` is the cycle's first frame (32-bit),
        ``now`` the clock when ``since`` frames of the cycle had passed, ``frames`` the
        period; returns the first frame unwrapped."""
        if start < self._last_start - WRAP // 2:  # a wrap, not a server stepping back
            self._wraps += 1
        self._last_start = start
        start += self._wraps * WRAP
        pair = now - (start + since) / self.rate
        if now >= self._window_ends:
            self._last_min, self._window_min = self._window_min, pair
            self._window_ends = now + max(WINDOW, CYCLES * frames / self.rate)
        elif pair < self._window_min:
            self._window_min = pair
        self.offset = min(self._window_min, self._last_min)
        return start

    def frame_at(self, seconds: float) -> int | None:
        """The (unwrapped) frame that sounds at ``seconds``; None before the first cycle."""
        offset = self.offset
        return None if offset is None else round((seconds - offset) * self.rate)

    def seconds_at(self, frame: int) -> float:
        """When an (unwrapped) frame sounded."""
        return frame / self.rate + (self.offset or 0.0)
