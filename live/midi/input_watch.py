"""Noticing that the input port went away, and reopening it when it comes back.

Like ``watch.PortWatch`` for the output, this runs on the main thread (a chore of the wait
loop, at most once a ``every`` seconds) and asks the listener whether its source is still
listed (rtmidi's listener looks through a probe client of its own, never the listening one;
JACK-Client's asks its own client). When the port is gone it closes the listener, tells
the engine (a ``LOST`` marker in the inbox: the engine thread lets go of the notes still
held, whose note-offs will never come) and says so once; when the port is listed again it
reopens it and says that too. A virtual input port is ours and cannot go away.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from musicai.live.midi.input import InputPort

LOST = 0  # status of the marker message: "the input port was lost"


class InputWatch:
    def __init__(self, listener: InputPort, say: Callable[[str], None],
                 every: float = 1.0) -> None:
        self.listener = listener
        self.say = say
        self.every = every
        self.losses = 0
        self._next = time.monotonic() + every
        if not listener.virtual:
            listener.present()  # its probe, if it has one, is made now, before the engine plays

    def __call__(self) -> None:
        now = time.monotonic()
        if self.listener.virtual or now < self._next:
            return
        self._next = now + self.every
        self.check()

    def check(self) -> bool:
        """True while the port is there (reopened if it had gone)."""
        if self.listener.virtual:
            return True
        present = self.listener.present()
        inbox = self.listener.inbox
        if not inbox.lost and not present:
            self.losses += 1
            self.listener.close()
            inbox.lost = f"input {self.listener.name!r} lost; waiting for it to return"
            inbox.release_all()
            inbox.messages.append((time.perf_counter(), LOST, 0, 0))
            if inbox.wake is not None:
                inbox.wake()
            self.say(inbox.lost)
        elif inbox.lost and present and self.listener.reopen():
            inbox.lost = ""
            self.say(f"input {self.listener.name!r} is back")
        return not inbox.lost

    def close(self) -> None:
        self.listener.close_probe()
