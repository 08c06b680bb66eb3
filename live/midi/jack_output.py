"""MIDI out through JACK-Client: every message at its own frame, with a stated latency.

rtmidi writes whatever it is handed at frame 0 of the next JACK period, so an onset lands up
to a whole period late (21 ms at 1024 frames). Here the engine hands each message with the
time it is due; the port turns that time into a JACK frame (``frame_clock.py``: the
earliest callback of the last two windows, so a late wake-up does not move it; JACK's own
estimate of the frame now until the first cycle) and adds a constant latency of one period
plus a margin. The process callback writes each message at its offset in the cycle that
holds its frame, so what a listener hears is the given times shifted by the latency, to the
frame. The engine reads ``latency`` and hands every message that much early (``Engine.ahead``),
so its notes are heard exactly on its own timeline.

The queue between the two threads is a ring of preallocated slots with one writer (the
engine, under the port's lock) and one reader (JACK's process thread): the reader never
waits for anything, it reads what is published and leaves the rest for a later cycle.
Messages keep their order: a message due earlier than the one queued before it (a panic
after notes already queued ahead) goes at that one's frame, never before it.

A server that stalls (seconds without a cycle, as a synchronous server does on a killed
client) and then crawls leaves the frame clock behind: a due time then maps beyond JACK's own
estimate of the frame now by more than ``STALE`` and the estimate is used, and a message queued
further ahead than anything is ever sent (latency, a period and ``STALE``) goes at once,
counted late, so nothing waits behind it.

The server going away is seen by JACK's shutdown callback: every later send fails with one
line, so the engine stops and the run ends with status 1 (there is nothing to play into, and
a performer's DAW needs restarting anyway). JACK's library messages are kept off the
terminal (``jack.set_error_function``); xruns are counted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from musicai.live.errors import PortError, ServerStoppedError
from musicai.live.midi.discovery import match_port, way_out
from musicai.live.midi.frame_clock import STALE, FrameClock
from musicai.live.midi.inbox import Inbox
from musicai.live.midi.jack_input import JackInput
from musicai.live.midi.ports import OutputPort

CLIENT = "MusicAI"
SLOTS = 4096  # messages queued ahead at most (one bar of 32nds on 16 channels, and more)
MASK = 0xFFFF_FFFF  # JACK frames are 32-bit and wrap
HALF = 0x8000_0000
MARGIN = 0.002  # seconds of engine lateness absorbed on top of one period
FLUSH_LIMIT = 0.5  # seconds a close waits for its last messages to leave


def _silence_jack_library() -> None:
    """JACK's C library prints to stderr ("Cannot read socket fd", server probing): our own
    one-line messages say what happened instead."""
    import jack

    jack.set_error_function(_ignore)
    jack.set_info_function(_ignore)


def _ignore(message: str) -> None:
    return None


def latency_in_frames(period: int, rate: int) -> int:
    """The constant delay from due time to sounding: one period plus the margin."""
    return period + round(MARGIN * rate)


def server_line() -> str | None:
    """The running server's rate, period and the latency our output would have (for
    ``--list-ports``); None without a server or libjack."""
    try:
        import jack

        _silence_jack_library()
        probe = jack.Client("MusicAI-probe", no_start_server=True)
    except Exception:  # no libjack (OSError), or no server: the port list says enough
        return None
    try:
        rate, period = probe.samplerate, probe.blocksize
    finally:
        probe.close()
    frames = latency_in_frames(period, rate)
    return (f"JACK server: {rate} Hz, {period} frames per period ({1000 * period / rate:.1f} "
            f"ms); output latency {frames} frames ({1000 * frames / rate:.1f} ms), every "
            "message at its frame")


class JackOutput(OutputPort):
    """An output port on a JACK-Client client of its own, frame-stamped."""

    def __init__(self, port: str | None = None, client_name: str = CLIENT) -> None:
        super().__init__()
        import jack

        _silence_jack_library()
        try:
            self._client = jack.Client(client_name, no_start_server=True)
        except jack.JackError as err:
            raise PortError(f"JACK: cannot connect ({err}); {way_out('jack')}") from err
        client = self._client
        self.rate = client.samplerate
        self.frame_clock = FrameClock(self.rate)
        self.stale_frames = round(STALE * self.rate)
        self.period = client.blocksize
        self.latency_frames = latency_in_frames(self.period, self.rate)
        self.xruns = 0
        self.late = 0  # messages that missed their frame and went at the cycle's start
        self.retimed = 0  # messages placed by a clock the server had stalled behind: sent now
        self.cycles = 0
        self._gone: OSError | None = None
        self._frames = [0] * SLOTS
        self._data: list[Sequence[int]] = [()] * SLOTS
        self._head = 0  # next slot the engine writes (only the engine moves it)
        self._tail = 0  # next slot the process callback reads (only JACK moves it)
        self._last_frame: int | None = None
        self._drained = threading.Event()
        self._input: JackInput | None = None  # an input on this client, read in _process
        client.set_process_callback(self._process)
        client.set_shutdown_callback(self._shutdown)
        client.set_xrun_callback(self._xrun)
        client.set_blocksize_callback(self._blocksize)
        self._port = client.midi_outports.register("out" if port else CLIENT)
        client.activate()
        self.virtual = True
        self.name = self._port.name
        if port is not None:
            try:
                self._connect(port)
            except BaseException:  # an ambiguous name: leave no client of ours behind
                client.deactivate()
                client.close()
                raise

    # opening --------------------------------------------------------------------------------
    def _connect(self, wanted: str) -> None:
        names = [p.name for p in self._client.get_ports(is_midi=True, is_input=True)]
        index = match_port(names, wanted, "jack")
        if index is None:  # like rtmidi's virtual port: ours, named as asked
            self._port.unregister()
            self._port = self._client.midi_outports.register(wanted)
            self.name = self._port.name
            return
        self._client.connect(self._port, names[index])
        self.virtual = False
        self.name = names[index]

    @property
    def client(self) -> object:
        """The jack.Client, for an input port on the same client (``jack_input.py``)."""
        return self._client

    def open_input(self, wanted: str, inbox: Inbox) -> JackInput:
        """An input port on this client, read in its process callback: an rtmidi client
        beside this one in the process would stall both."""
        return JackInput(self, wanted, inbox).open()

    def attach_input(self, listener: JackInput | None) -> None:
        """Read ``listener``'s port in this client's process callback (None: stop)."""
        self._input = listener

    @property
    def own_port(self) -> str:
        """Our JACK port's full name (what a patchbay connects from)."""
        return self._port.name

    @property
    def latency(self) -> float:
        """Seconds from a message's due time to the frame it sounds at."""
        return self.latency_frames / self.rate

    def describe(self) -> str:
        return (f"JACK at {self.rate} Hz, {self.period} frames per period; latency "
                f"{self.latency_frames} frames ({1000 * self.latency:.1f} ms), every message "
                "at its frame")

    def settle(self, timeout: float = 3.0) -> bool:
        """Two process cycles of ours have run: the server is cycling, with us in its graph."""
        deadline = time.monotonic() + timeout
        while self.cycles < 2:
            if time.monotonic() > deadline or self._gone is not None:
                return False
            time.sleep(0.005)
        return True

    def connected(self) -> bool:
        """Whether the destination still exists (a virtual port always does). A performer
        re-patching in qjackctl is not a loss; the destination's program quitting is."""
        if self.virtual or self._gone is not None:
            return self._gone is None
        try:
            self._client.get_port_by_name(self.name)
        except Exception:  # jack.JackError: no such port any more
            return False
        return True

    # the engine's side ----------------------------------------------------------------------
    def _send(self, message: Sequence[int], when: float | None) -> None:
        if self._gone is not None:
            raise self._gone
        if self.closed:
            raise OSError(f"port {self.name!r} is closed")
        head = self._head
        if (head + 1) % SLOTS == self._tail:
            raise OSError(f"JACK port {self.name!r}: the server takes no messages (its "
                          "process cycle has stopped)")
        now = time.perf_counter()
        due = now if when is None else when
        frame = self.frame_clock.frame_at(due)
        estimate = self._client.frame_time + round((due - now) * self.rate)
        if frame is None or abs(frame - estimate) > self.stale_frames:
            frame = estimate  # no cycle yet, or a server that stalled: JACK's estimate
        frame += self.latency_frames
        last = self._last_frame
        if last is not None and (frame - last) & MASK >= HALF:
            frame = last  # never before a message queued earlier
        frame &= MASK
        self._last_frame = frame
        self._frames[head] = frame
        self._data[head] = message  # the engine's own list, never changed after sending
        self._drained.clear()
        self._head = (head + 1) % SLOTS  # published last: the reader sees whole slots

    def _close(self) -> None:
        """Let the last messages (the panic) leave in a process cycle, then close."""
        if self._gone is None:
            deadline = time.monotonic() + FLUSH_LIMIT + self.latency
            while self._tail != self._head and time.monotonic() < deadline:
                self._drained.wait(0.005)
            # Two more cycles: the one that wrote the last message may still be running, and
            # its readers take it in that same cycle after us; closing sooner loses it.
            cycles = self.cycles
            while self.cycles < cycles + 2 and time.monotonic() < deadline:
                time.sleep(0.001)
        try:
            self._client.deactivate()
            self._client.close()
        except Exception:  # a dead server: nothing left to close cleanly
            return

    # JACK's side (its process thread: no waiting, a bounded loop) --------------------------
    def _process(self, frames: int) -> None:
        port = self._port
        port.clear_buffer()
        start = self._client.last_frame_time
        since = self._client.frames_since_cycle_start
        unwrapped = self.frame_clock.cycle(start, time.perf_counter(), frames, since)
        listener = self._input
        if listener is not None:
            listener.collect(unwrapped)
        tail, head = self._tail, self._head
        floor = 0
        for _ in range(SLOTS):
            if tail == head:
                self._drained.set()
                break
            offset = (self._frames[tail] - start) & MASK
            if offset >= HALF:  # due before this cycle: at once
                offset = 0
                self.late += 1
            elif offset >= frames:
                if offset <= self.latency_frames + frames + self.stale_frames:
                    break  # a later cycle's
                offset = 0  # further ahead than anything is ever sent: a clock that stalled
                self.retimed += 1
                self.late += 1
            if offset < floor:
                offset = floor
            try:
                port.write_midi_event(offset, self._data[tail])
            except Exception:  # the buffer is full: the rest go next cycle
                break
            floor = offset
            tail = (tail + 1) % SLOTS
            self._tail = tail
        self.cycles += 1

    def _shutdown(self, status: object, reason: str) -> None:
        why = reason.strip().rstrip(".") or "no reason given"
        self._gone = ServerStoppedError(
            f"JACK server stopped while playing ({why}); start JACK again and rerun "
            "musicai-live (the DAW's JACK connections need restoring too)")
        self.lost = self._gone
        self._drained.set()

    def _xrun(self, delay: float) -> None:
        self.xruns += 1

    def _blocksize(self, blocksize: int) -> None:
        self.period = blocksize
        self.latency_frames = latency_in_frames(blocksize, self.rate)

    def mark_gone(self, reason: str) -> None:
        self._gone = OSError(f"JACK port {self.name!r} {reason}")
