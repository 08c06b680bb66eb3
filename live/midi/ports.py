"""The output port template, after mido's ``BasePort``.

``OutputPort`` does the checking, the locking and the bookkeeping every port needs, and keeps
the set of sounding notes so that ``panic()`` (and ``close()``) can silence exactly what this
program started; a backend overrides only ``_send`` and ``_close``. A backend that loses its
device raises ``OSError`` from ``_send``; the port then marks itself lost and the engine
decides what to do.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from musicai.live.midi.messages import ALL_NOTES_OFF, ALL_SOUND_OFF, control_change, note_off


class OutputPort:
    name = "output"
    #: seconds from the time a message is given with to the time it sounds: 0 for a port that
    #: sends at once; a frame-stamping port (JACK-Client) states its constant here, and the
    #: engine hands it every message that much early (``Engine.ahead``)
    latency = 0.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sounding: set[tuple[int, int]] = set()
        self._channels_used: set[int] = set()
        self.closed = False
        self.lost: OSError | None = None

    # the template ---------------------------------------------------------------------------
    def send(self, message: Sequence[int], when: float | None = None) -> None:
        """Send one message; ``when`` is the scheduled time, for outputs that record it."""
        with self._lock:
            if self.closed:  # checked under the lock: close() may run on another thread
                raise ValueError(f"port {self.name!r} is closed")
            self._book(message)
            try:
                self._send(message, when)
            except OSError as err:
                self.lost = err
                raise

    def panic(self) -> None:
        """Note-off for every sounding note, then All Notes Off and All Sound Off per channel."""
        with self._lock:
            if self.closed:
                return
            pending = sorted(self._sounding)
            self._sounding.clear()
            messages = [note_off(ch, pitch) for ch, pitch in pending]
            for channel in sorted(self._channels_used):
                messages.append(control_change(channel, ALL_NOTES_OFF, 0))
                messages.append(control_change(channel, ALL_SOUND_OFF, 0))
            self._channels_used.clear()  # silenced: a second panic has nothing to say
            for message in messages:
                try:
                    self._send(message, None)
                except OSError as err:  # a lost device cannot be silenced further
                    self.lost = err
                    break

    def close(self) -> None:
        if self.closed:
            return
        self.panic()
        with self._lock:
            self.closed = True
            self._close()

    def describe(self) -> str:
        """One line on how this port times what it sends (the start-up summary shows it)."""
        return ""

    def open_input(self, wanted: str, inbox: object) -> object | None:
        """An input port of this port's own client (JACK-Client: one client for both ways);
        None: the input opens on its own (rtmidi)."""
        return None

    def settle(self, timeout: float = 3.0) -> bool:
        """Wait until what is sent now would be delivered (a port whose server is still busy
        with a crashed client drops it); whether it settled in time."""
        return True

    @property
    def sounding(self) -> frozenset[tuple[int, int]]:
        """(channel, pitch) pairs this port has turned on and not yet off."""
        with self._lock:
            return frozenset(self._sounding)

    def __enter__(self) -> OutputPort:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # bookkeeping ----------------------------------------------------------------------------
    def _book(self, message: Sequence[int]) -> None:
        status = message[0] & 0xF0
        if status < 0x80 or status == 0xF0:
            return
        channel = message[0] & 0x0F
        self._channels_used.add(channel)
        if status == 0x90 and message[2] > 0:
            self._sounding.add((channel, message[1]))
        elif status == 0x80 or status == 0x90:
            self._sounding.discard((channel, message[1]))

    # what a backend overrides ---------------------------------------------------------------
    def _send(self, message: Sequence[int], when: float | None) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        return None
