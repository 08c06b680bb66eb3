"""MIDI in through the output's own JACK-Client client: every message dated by its frame.

An rtmidi input client beside a JACK-Client output client in one process stalls both (rtmidi
holds the GIL while it waits for a JACK cycle that needs the GIL for our process callback), so
with ``--backend jack`` the input is a second port on the output's client, read in the same
process callback. That callback only copies each message's bytes and frame into a ring of
preallocated slots (a bounded loop; system exclusive, active sensing and, unless clock is
followed, timing clock are skipped there); a thread of ours drains the ring every millisecond
into the ``Inbox``, as ``input.InputListener`` drains rtmidi's queue.

Dating by frame: a message's time is its frame placed on ``time.perf_counter()`` by the
output's ``FrameClock`` (the earliest callback of the last two windows, so a callback that
wakes late does not make its messages late), the same clock the output places due times with.
"""

from __future__ import annotations

import threading
import time

from musicai.live.errors import PortError
from musicai.live.midi.discovery import match_port, way_out
from musicai.live.midi.frame_clock import STALE
from musicai.live.midi.inbox import Inbox
from musicai.live.midi.input import InputPort
from musicai.live.midi.messages import CLOCK

SLOTS = 4096  # messages between two drains at most (a 2,000 msg/s flood for 2 s)
POLL = 0.001  # seconds between drains
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
    def collect(self, start: int) -> None:
        """Copy this cycle's messages into the ring; ``start`` is the cycle's first frame,
        unwrapped (``FrameClock.cycle``)."""
        port = self._port
        if port is None:
            return
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
        feed, seconds_at = self.inbox.feed, self.output.frame_clock.seconds_at
        clock, rate = time.perf_counter, self.output.rate
        while not closing.is_set():
            tail, head = self._tail, self._head
            while tail != head:
                n = self._lengths[tail]
                when, now = seconds_at(self._frames[tail]), clock()
                # a frame later in the cycle than the callback is up to a period ahead; more
                # than that (or far behind) is a server that stalled: it came now
                if not now - STALE <= when <= now + STALE + self.output.period / rate:
                    when = now
                feed(list(self._data[tail][:n]), when)
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
