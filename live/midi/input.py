"""Keyboard input through python-rtmidi: open, listen, lose and reopen a MIDI input port.

``--input NAME`` follows ``--port``'s rules (``discovery.match_port``: exact name, else a
unique case-insensitive part of one); when nothing matches, a virtual input port of that name
is created for a keyboard or a DAW to connect to. The backend drops system exclusive and
active sensing (and timing clock unless we follow it) in C, before any Python runs; everything
else goes to ``Inbox.feed`` on the backend's thread.

Closing an input that still receives (a DAW's clock never stops) is where python-rtmidi can
crash or hang, measured here under a 4,000 messages/s flood:

* ``cancel_callback`` drops the only reference to the (function, data) tuple whose address
  the backend thread may already hold while it waits for the GIL: it then calls into freed
  memory ("deallocating None", SIGSEGV within 10 closes). So the tuples are kept alive for the
  life of the process (``_PINNED``; two small tuples per open).
* ``close_port`` holds the GIL while the backend waits for its thread, which may be waiting
  for the GIL to deliver one more message: a deadlock. So the callback is cancelled first
  (later messages go to rtmidi's own queue, no GIL needed) and the GIL released for
  ``JACK_DRAIN`` so that a delivery in flight finishes (into a callback that now ignores it)
  before the port is closed. 20 of 20 closes under the flood then take ~50 ms.
"""

from __future__ import annotations

import gc
import time

from ..errors import PortError
from .backends import JACK_DRAIN
from .discovery import TITLES, client, match_port, way_out
from .inbox import Inbox

CLIENT = "MusicAI-in"
_PINNED: list[object] = []  # callback tuples python-rtmidi must never free (see above)


class InputListener:
    """One input port feeding an ``Inbox``; ``reopen`` after the port came back."""

    def __init__(self, backend: str, wanted: str, inbox: Inbox) -> None:
        self.backend = backend
        self.wanted = wanted
        self.inbox = inbox
        self.name = wanted
        self.virtual = False
        self._midi: object | None = None
        self._closing = False

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
            self._closing = False
            midi.set_callback(self._callback)
            _PINNED.extend(o for o in gc.get_referents(midi) if isinstance(o, tuple))
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
        if not self._closing:
            self.inbox.feed(event[0], time.perf_counter())

    def close(self) -> None:
        midi, self._midi = self._midi, None
        if midi is None:
            return
        self._closing = True
        midi.cancel_callback()
        time.sleep(JACK_DRAIN)  # a delivery waiting for the GIL finishes now, not in close
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
