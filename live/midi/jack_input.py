"""MIDI in through the output's own JACK-Client client: every message dated by its frame.

An rtmidi input client beside a JACK-Client output client in one process stalls both (rtmidi
holds the GIL while it waits for a JACK cycle that needs the GIL for our process callback), so
with ``--backend jack`` the input is a second port on the output's client, read in the same
process callback. That callback only copies each message's bytes and frame into a ring of
preallocated slots (a bounded loop; system exclusive, active sensing and, unless clock is
followed, timing clock are skipped there); a thread of ours drains the ring every millisecond
into the ``Inbox``, as ``input.InputListener`` drains rtmidi's queue.

Dating by frame: a message's time is its frame placed on ``time.perf_counter()``. Each cycle
pairs its first frame with the clock at the callback; a callback that wakes late makes that
pair late, never early, so the mapping takes the earliest pair of the last 50 to 100 ms
(``WINDOW``, two windows). Pulses of a sequencer's MIDI clock thus keep their spacing to the
frame instead of inheriting the callback's wake-up jitter; a server whose cycles fall behind
the clock for longer (JACK's dummy driver on a loaded machine) is followed within 100 ms, so
a message is never dated before the cycle that read it could run. Frames are unwrapped past
JACK's 32 bits (a day at 48 kHz).
"""

from __future__ import annotations

import threading

from musicai.live.errors import PortError
from musicai.live.midi.discovery import match_port, way_out
from musicai.live.midi.inbox import Inbox
from musicai.live.midi.input import InputPort
from musicai.live.midi.messages import CLOCK

SLOTS = 4096  # messages between two drains at most (a 2,000 msg/s flood for 2 s)
POLL = 0.001  # seconds between drains
WINDOW = 0.05  # seconds: the mapping is the earliest pair of this window and the one before
WRAP = 1 << 32  # JACK frames are 32-bit
SYSEX, ACTIVE_SENSING = 0xF0, 0xFE


class JackInput(InputPort):
    """An input port on a ``JackOutput``'s client."""

    backend = "jack"

    def __init__(self, output: object, wanted: str, inbox: Inbox) -> None:
        self.output = output  # a JackOutput: its client and its process callback
        self.wanted = wanted
        self.inbox = inbox
        self.name = wanted
        self.virtual = False
        self.dropped = 0  # messages the ring had no room for (the drain fell behind)
        self._port: object | None = None
        self._frames = [0] * SLOTS
        self._lengths = [0] * SLOTS
        self._data = [bytearray(3) for _ in range(SLOTS)]
        self._head = 0  # next slot JACK's thread writes (only it moves this)
        self._tail = 0  # next slot the drain reads (only the drain moves this)
        self._offset = 0.0  # perf_counter minus frame / rate: the mapping in use
        self._window_min = float("inf")  # earliest pair of the current window
        self._last_min = float("inf")  # of the window before
        self._window_ends = 0.0
        self._last_start = 0  # the previous cycle's first frame (32-bit)
        self._wraps = 0
        self._closing = threading.Event()
        self._drain: threading.Thread | None = None

    # opening --------------------------------------------------------------------------------
    def open(self, virtual_if_missing: bool = True) -> JackInput:
        """Connect from the source ``wanted`` names, or offer a port of that name."""
        client = self.output.client
        names = [p.name for p in client.get_ports(is_midi=True, is_output=True)
                 if not p.name.startswith(f"{client.name}:")]
        index = match_port(names, self.wanted, "jack", "--input", "inputs")
        if index is None and not virtual_if_missing:
            raise PortError(f"JACK: no input port {self.wanted!r} (inputs: "
                            f"{', '.join(names) or 'none'})")
        try:
            port = client.midi_inports.register("in" if index is not None else self.wanted)
            if index is not None:
                client.connect(names[index], port)
                self.name, self.virtual = names[index], False
            else:
                self.name, self.virtual = port.name, True
        except Exception as err:  # jack.JackError: the server refused
            raise PortError(f"JACK: cannot open input {self.wanted!r} ({err}); "
                            f"{way_out('jack')}") from err
        self._tail = self._head
        self._port = port
        self.output.attach_input(self)
        self._closing = threading.Event()
        self._drain = threading.Thread(target=self._drain_loop, args=(self._closing,),
                                       name="midi-input", daemon=True)
        self._drain.start()
        return self

    def present(self) -> bool:
        """Whether the source is still there (a port we offer always is)."""
        if self.virtual:
            return True
        try:
            self.output.client.get_port_by_name(self.name)
        except Exception:  # jack.JackError: no such port
            return False
        return True

    def close_probe(self) -> None:
        """Nothing to close: ``present`` asks the port's own client."""

    # JACK's process thread (from JackOutput._process): copy, never wait ---------------------
    def collect(self, start: int, now: float, rate: int) -> None:
        """Copy this cycle's messages into the ring; ``start`` is the cycle's first frame and
        ``now`` the clock at the callback (for the frame-to-clock mapping)."""
        port = self._port
        if port is None:
            return
        if start < self._last_start:
            self._wraps += 1
        self._last_start = start
        start += self._wraps * WRAP
        pair = now - start / rate
        if now >= self._window_ends:
            self._last_min, self._window_min = self._window_min, pair
            self._window_ends = now + WINDOW
        elif pair < self._window_min:
            self._window_min = pair
        self._offset = min(self._window_min, self._last_min)
        clock = self.inbox.clock
        head = self._head
        for frame, data in port.incoming_midi_events():
            n = len(data)
            first = data[0][0] if n else 0  # a cffi buffer's item is one byte
            if n > 3 or first in (SYSEX, ACTIVE_SENSING) or (first == CLOCK and not clock):
                continue
            following = (head + 1) % SLOTS
            if following == self._tail:
                self.dropped += 1
                continue
            self._data[head][:n] = data
            self._lengths[head] = n
            self._frames[head] = start + frame
            head = following
            self._head = head  # published last: the drain sees whole slots

    # the drain thread -------------------------------------------------------------------------
    def _drain_loop(self, closing: threading.Event) -> None:
        feed, rate = self.inbox.feed, self.output.rate
        while not closing.is_set():
            tail, head = self._tail, self._head
            while tail != head:
                n = self._lengths[tail]
                feed(list(self._data[tail][:n]), self._frames[tail] / rate + self._offset)
                tail = (tail + 1) % SLOTS
                self._tail = tail
            closing.wait(POLL)

    # closing ----------------------------------------------------------------------------------
    def close(self) -> None:
        port, self._port = self._port, None
        if port is None:
            return
        self.output.attach_input(None)
        self._closing.set()
        if self._drain is not None:
            self._drain.join()
            self._drain = None
        try:
            port.unregister()
        except Exception:  # the server is gone: nothing to unregister
            return

    @property
    def is_open(self) -> bool:
        return self._port is not None
