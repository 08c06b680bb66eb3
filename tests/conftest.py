"""Shared test fixtures: the private JACK server and real MIDI ports on it.

`make test` runs pytest through tools/with-jack.sh, which starts a throw-away JACK server with
the dummy driver and exports JACK_DEFAULT_SERVER. Tests marked ``jack`` use that server; they
are skipped outside `make test`, but in CI (CI=true) an unreachable server fails them, because
a MIDI test that silently skips in CI proves nothing.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import pytest

# A client that cannot reach the private server must fail, never start (or use) another one.
os.environ.setdefault("JACK_NO_START_SERVER", "1")

# A System Exclusive message with the non-commercial manufacturer id 0x7D: the receiver counts
# it apart from real traffic, so a route can be proven live without polluting what tests assert.
PROBE = bytes([0xF0, 0x7D, 0x6D, 0x61, 0x69, 0xF7])

_client_ids = itertools.count(1)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "jack: needs the private JACK server that `make test` starts"
    )


def in_ci() -> bool:
    """True where CI says so; there JACK tests must run, never skip."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def unique_client_name(stem: str) -> str:
    """A JACK client name no other test uses, so JACK never renames it to ``stem-01``."""
    return f"{stem}-{os.getpid()}-{next(_client_ids)}"


@dataclass(frozen=True)
class JackServer:
    """The private server the tests run against."""

    name: str


def _probe_server() -> str | None:
    """Return why the private JACK server is unusable, or None when a client can connect."""
    server = os.environ.get("JACK_DEFAULT_SERVER", "")
    if not server:
        # Without a private server name a client would talk to the user's default server.
        return "JACK_DEFAULT_SERVER is not set"
    try:
        import rtmidi
    except ImportError as err:
        return f"python-rtmidi is not importable: {err}"
    if rtmidi.API_UNIX_JACK not in rtmidi.get_compiled_api():
        return "this python-rtmidi build has no JACK support"
    try:
        probe = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name=unique_client_name("musicai-probe"))
    except rtmidi.RtMidiError as err:
        return f"cannot connect to JACK server {server!r}: {err}"
    probe.delete()
    return None


@pytest.fixture(scope="session")
def jack_server() -> JackServer:
    """The private JACK server; skips outside `make test`, fails in CI when unreachable."""
    problem = _probe_server()
    if problem is not None:
        if in_ci():
            pytest.fail(
                f"JACK tests must run in CI, but the private JACK server is unusable: {problem}. "
                "Run the suite through `make test` (tools/with-jack.sh starts the server).",
                pytrace=False,
            )
        pytest.skip("run through `make test`, which starts a private JACK server")
    return JackServer(name=os.environ["JACK_DEFAULT_SERVER"])


@pytest.fixture(autouse=True)
def _jack_marker(request: pytest.FixtureRequest) -> None:
    """Give every test marked ``jack`` the server check, so no test can forget it."""
    if request.node.get_closest_marker("jack") is not None:
        request.getfixturevalue("jack_server")


class MidiReceiver:
    """A JACK MIDI input port that records every message with its arrival time.

    Like the product's input (``live/midi/inbox.py``) it polls rtmidi's queue from a thread of
    its own: no Python callback runs on JACK's process thread, where it would need the GIL in
    the middle of a cycle. rtmidi stamps each message on JACK's clock when it arrives and hands
    out the gaps; the arrival times are those stamps placed on ``time.perf_counter()`` (the
    clock senders read) by the smallest delay seen between an arrival and its poll, so a poll
    that came late does not make a message late. Tests wait for data instead of sleeping.
    """

    POLL = 0.0005  # seconds between looks at an empty queue

    def __init__(self, client: str, port: str = "in") -> None:
        import rtmidi

        self.client = client
        self._cond = threading.Condition()
        self._events: list[tuple[float, bytes]] = []  # (rtmidi's clock, message)
        self._offset = float("inf")  # perf_counter minus rtmidi's clock, the tightest seen
        self._probes = 0
        self._done = threading.Event()
        self._midi = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, name=client)
        self._midi.ignore_types(sysex=False, timing=False, active_sense=False)
        self._midi.open_virtual_port(port)
        self.port_name = f"{client}:{port}"
        self._poller = threading.Thread(target=self._poll, name=f"{client}-poll", daemon=True)
        self._poller.start()

    def _poll(self) -> None:
        clock: float | None = None
        while not self._done.is_set():
            got = self._midi.get_message()
            if got is None:
                self._done.wait(self.POLL)
                continue
            now = time.perf_counter()
            data, delta = got
            clock = 0.0 if clock is None else clock + delta
            message = bytes(data)
            with self._cond:
                self._offset = min(self._offset, now - clock)
                if message == PROBE:
                    self._probes += 1
                else:
                    self._events.append((clock, message))
                self._cond.notify_all()

    @property
    def events(self) -> list[tuple[float, bytes]]:
        """(perf_counter at arrival, message bytes), in arrival order."""
        with self._cond:
            return [(clock + self._offset, message) for clock, message in self._events]

    @property
    def messages(self) -> list[bytes]:
        return [message for _, message in self.events]

    def clear(self) -> None:
        with self._cond:
            self._events.clear()

    def wait_for(self, count: int, timeout: float = 2.0) -> list[tuple[float, bytes]]:
        """Block until ``count`` messages arrived (bounded); fail listing what did arrive."""
        with self._cond:
            arrived = self._cond.wait_for(lambda: len(self._events) >= count, timeout)
            events = [(clock + self._offset, message) for clock, message in self._events]
        if not arrived:
            got = [message.hex(" ") for _, message in events]
            pytest.fail(
                f"{self.port_name}: expected {count} messages within {timeout} s, got {got}"
            )
        return events

    def wait_for_probe(self, send: Callable[[Sequence[int]], None], timeout: float = 2.0) -> None:
        """Send PROBE until one arrives: proves the route is connected end to end."""
        deadline = time.perf_counter() + timeout
        with self._cond:
            seen = self._probes
        while True:
            send(list(PROBE))
            with self._cond:
                if self._cond.wait_for(lambda: self._probes > seen, 0.02):
                    return
            if time.perf_counter() > deadline:
                pytest.fail(f"no probe reached {self.port_name} within {timeout} s")

    def close(self) -> None:
        self._done.set()
        self._poller.join()
        self._midi.close_port()
        self._midi.delete()


class MidiSender:
    """A JACK MIDI output: a virtual port others connect to, or a connection to their port."""

    def __init__(self, client: str, port: str = "out", connect_to: str | None = None) -> None:
        import rtmidi

        self.client = client
        self._midi = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name=client)
        if connect_to is None:
            self._midi.open_virtual_port(port)
        else:
            # rtmidi lists other clients' ports as "client:port"; open ours onto that one.
            ports = self._midi.get_ports()
            if connect_to not in ports:
                pytest.fail(f"JACK input {connect_to!r} not among {ports}")
            self._midi.open_port(ports.index(connect_to), port)
        self.port_name = f"{client}:{port}"

    def send(self, message: Sequence[int]) -> float:
        """Send one message; return ``time.perf_counter()`` just before it went out."""
        now = time.perf_counter()
        self._midi.send_message(list(message))
        return now

    def close(self) -> None:
        self._midi.close_port()
        self._midi.delete()


@pytest.fixture
def midi_sender(jack_server: JackServer) -> Iterator[Callable[..., MidiSender]]:
    """Factory for sending JACK ports: ``midi_sender("stem", connect_to=receiver.port_name)``."""
    made: list[MidiSender] = []

    def make(stem: str = "musicai-tx", connect_to: str | None = None) -> MidiSender:
        sender = MidiSender(unique_client_name(stem), connect_to=connect_to)
        made.append(sender)
        return sender

    yield make
    for sender in made:
        sender.close()


@pytest.fixture
def jack_connect(jack_server: JackServer) -> Callable[[str, str], None]:
    """Connect two JACK ports with the stock ``jack_connect`` client (a third-party route)."""
    tool = shutil.which("jack_connect")
    if tool is None:
        pytest.fail("jack_connect is missing; `make jack` installs it (Debian package jackd2)")

    def connect(source: str, destination: str) -> None:
        done = subprocess.run(
            [tool, source, destination], capture_output=True, text=True, timeout=10, check=False
        )
        if done.returncode != 0:
            pytest.fail(f"jack_connect {source} {destination} failed: {done.stderr.strip()}")

    return connect


@pytest.fixture
def midi_receiver(jack_server: JackServer) -> Iterator[Callable[[str], MidiReceiver]]:
    """Factory for receiving JACK ports (``midi_receiver("stem")``); all closed afterwards."""
    made: list[MidiReceiver] = []

    def make(stem: str = "musicai-rx") -> MidiReceiver:
        receiver = MidiReceiver(unique_client_name(stem))
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        receiver.close()
