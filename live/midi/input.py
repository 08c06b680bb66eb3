"""Keyboard input through python-rtmidi: open, listen, lose and reopen a MIDI input port.

``--input NAME`` follows ``--port``'s rules (``discovery.match_port``: exact name, else a
unique case-insensitive part of one); when nothing matches, a virtual input port of that name
is created for a keyboard or a DAW to connect to. The backend drops system exclusive and
active sensing (and timing clock unless we follow it) in C, before any Python runs; everything
else goes to ``Inbox.feed`` on the backend's thread.

Closing a JACK client waits for a process cycle, and python-rtmidi closes while holding the
GIL: if that cycle's callback is waiting for the GIL, the close stalls for seconds. So the
callback is cancelled first and the cycle given time to finish (``JACK_DRAIN``) before the
port is closed.
"""

from __future__ import annotations

import time

from ..errors import PortError
from .backends import JACK_DRAIN
from .discovery import TITLES, client, match_port, way_out
from .inbox import Inbox

CLIENT = "MusicAI-in"


class InputListener:
    """One input port feeding an ``Inbox``; ``reopen`` after the port came back."""

    def __init__(self, backend: str, wanted: str, inbox: Inbox) -> None:
        self.backend = backend
        self.wanted = wanted
        self.inbox = inbox
        self.name = wanted
        self.virtual = False
        self._midi: object | None = None

    def open(self, virtual_if_missing: bool = True) -> InputListener:
        """Connect to the port ``wanted`` names, or create a virtual one of that name."""
        import rtmidi

        midi = client(self.backend, "in", CLIENT)
        try:
            names = list(midi.get_ports())
            index = match_port(names, self.wanted, self.backend, "--input", "inputs")
            if index is None and (self.backend == "winmm" or not virtual_if_missing):
                raise PortError(f"{TITLES[self.backend]}: no input port {self.wanted!r} "
                                f"(inputs: {', '.join(names) or 'none'})")
            midi.ignore_types(sysex=True, timing=not self.inbox.clock, active_sense=True)
            midi.set_callback(self._callback)
            if index is None:
                midi.open_virtual_port(self.wanted)
                self.name = f"{CLIENT}:{self.wanted}" if self.backend == "jack" else self.wanted
                self.virtual = True
            else:
                midi.open_port(index, "in")
                self.name, self.virtual = names[index], False
        except rtmidi.RtMidiError as err:
            midi.delete()
            raise PortError(f"{TITLES[self.backend]}: cannot open input {self.wanted!r} "
                            f"({err}); {way_out(self.backend)}") from err
        except BaseException:
            midi.delete()
            raise
        self._midi = midi
        return self

    def _callback(self, event: tuple[list[int], float], _data: object = None) -> None:
        self.inbox.feed(event[0], time.perf_counter())

    def close(self) -> None:
        midi, self._midi = self._midi, None
        if midi is None:
            return
        midi.cancel_callback()
        if self.backend == "jack":
            time.sleep(JACK_DRAIN)  # let a callback that waits for the GIL finish first
        midi.close_port()
        midi.delete()

    def reopen(self) -> bool:
        """Connect again to the same port, which came back; False if that failed."""
        self.close()
        self.wanted = self.name
        try:
            self.open(virtual_if_missing=False)
        except PortError:
            return False
        return True

    @property
    def is_open(self) -> bool:
        return self._midi is not None
