"""Keyboard input through python-rtmidi: open, listen, lose and reopen a MIDI input port.

``--input NAME`` follows ``--port``'s rules (``discovery.match_port``: exact name, else a
unique case-insensitive part of one); when nothing matches, a virtual input port of that name
is created for a keyboard or a DAW to connect to. The backend drops system exclusive and
active sensing (and timing clock unless we follow it) in C, before any Python runs.

No Python callback: rtmidi queues incoming messages itself (C++ only, on the backend's
thread) and a small thread of ours polls that queue every millisecond and feeds the
``Inbox``. With a Python callback, the backend's thread had to take the GIL inside JACK's
process cycle: it stalled the whole JACK graph behind our Python (40-230 ms seen under load)
and closing the port while a delivery waited for the GIL crashed the process (SIGSEGV in
``_rtmidi``, seen in CI even with the callback cancelled and drained first). Polling keeps
Python out of the backend's thread, so closing is the ordinary rtmidi close. Arrival times
lose nothing: each polled batch is dated backwards from the poll time with rtmidi's own
delta times, measured on the backend's thread.
"""

from __future__ import annotations

import threading
import time

from musicai.live.errors import PortError
from musicai.live.midi.discovery import (
    JACK_BACKENDS,
    TITLES,
    client,
    match_port,
    stable_name,
    way_out,
)
from musicai.live.midi.inbox import Inbox

POLL = 0.001  # seconds between looks at rtmidi's queue
CLIENT = "MusicAI-in"


class InputPort:
    """What the jam and the input watch need of an input, whichever library reads it:
    ``open``, ``close``, ``present``, ``close_probe``, ``is_open``, ``name``, ``virtual``,
    ``inbox``; ``reopen`` is the same for all."""

    name: str
    wanted: str

    def open(self, virtual_if_missing: bool = True) -> InputPort:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def reopen(self) -> bool:
        """Connect again to the same port, which came back; False if that failed."""
        self.close()
        self.wanted = self.name
        try:
            self.open(virtual_if_missing=False)
        except PortError:
            return False
        return True


class InputListener(InputPort):
    """One input port through python-rtmidi feeding an ``Inbox``."""

    def __init__(self, backend: str, wanted: str, inbox: Inbox) -> None:
        self.backend = backend
        self.wanted = wanted
        self.inbox = inbox
        self.name = wanted
        self.virtual = False
        self._midi: object | None = None
        self._closing = threading.Event()
        self._poller: threading.Thread | None = None
        self._probe: object | None = None  # a client of its own for ``present``

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
            if index is None:
                midi.open_virtual_port(self.wanted)
                self.name = (f"{CLIENT}:{self.wanted}" if self.backend in JACK_BACKENDS
                             else self.wanted)
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
        self._closing = threading.Event()
        self._poller = threading.Thread(target=self._poll, args=(midi, self._closing),
                                        name="midi-input", daemon=True)
        self._poller.start()
        return self

    def _poll(self, midi: object, closing: threading.Event) -> None:
        """Feed the inbox from rtmidi's queue until closed; a batch is dated backwards from
        now by rtmidi's delta times, so arrival times keep the backend's precision."""
        get, feed, clock = midi.get_message, self.inbox.feed, time.perf_counter
        batch: list[tuple[list[int], float]] = []
        while not closing.is_set():
            event = get()
            while event is not None:
                batch.append(event)
                event = get()
            if batch:
                when = clock()
                times = [when]
                for _, delta in reversed(batch[1:]):
                    times.append(times[-1] - delta)
                for (message, _), at in zip(batch, reversed(times), strict=True):
                    feed(message, at)
                batch.clear()
            closing.wait(POLL)

    def close(self) -> None:
        midi, self._midi = self._midi, None
        if midi is None:
            return
        self._closing.set()
        if self._poller is not None:
            self._poller.join()
            self._poller = None
        midi.close_port()
        midi.delete()

    def present(self) -> bool:
        """Whether the source is listed, seen through a probe client (never the listening
        one: listing through it while it listens is not safe on every backend)."""
        if self.virtual:
            return True
        if self._probe is None:
            self._probe = client(self.backend, "in", f"{CLIENT}-watch")
        return stable_name(self.name) in {stable_name(n) for n in self._probe.get_ports()}

    def close_probe(self) -> None:
        if self._probe is not None:
            self._probe.delete()
            self._probe = None

    @property
    def is_open(self) -> bool:
        return self._midi is not None
