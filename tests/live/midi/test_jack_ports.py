"""Real MIDI through a real JACK server: what the instrument's ports stand on.

No mocks: python-rtmidi opens ports on the private JACK server that `make test` starts, and
the messages cross JACK's process cycle. If these fail, nothing the engine sends is heard.
"""

from __future__ import annotations

import os
import statistics
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # conftest's helpers reach tests as fixtures; these names are for readers
    from conftest import JackServer, MidiReceiver, MidiSender

    SenderFactory = Callable[..., MidiSender]
    ReceiverFactory = Callable[[str], MidiReceiver]

pytestmark = pytest.mark.jack

NOTE_ON, NOTE_OFF, CONTROL_CHANGE = 0x90, 0x80, 0xB0

PHRASE: list[bytes] = [
    bytes([CONTROL_CHANGE | 0, 7, 100]),  # channel volume
    bytes([NOTE_ON | 0, 60, 100]),
    bytes([NOTE_ON | 0, 64, 90]),
    bytes([CONTROL_CHANGE | 0, 64, 127]),  # sustain pedal down
    bytes([NOTE_OFF | 0, 60, 0]),
    bytes([NOTE_ON | 9, 36, 127]),  # a drum hit on channel 10
    bytes([NOTE_OFF | 0, 64, 0]),
    bytes([CONTROL_CHANGE | 0, 64, 0]),
    bytes([NOTE_OFF | 9, 36, 0]),
    bytes([CONTROL_CHANGE | 0, 123, 0]),  # all notes off
]


def test_server_is_the_private_one(jack_server: JackServer) -> None:
    """Every client here talks to the throw-away server, never the user's default one."""
    assert jack_server.name.startswith("musicai-test-")
    assert os.environ["JACK_NO_START_SERVER"] == "1"
    listing = subprocess.run(
        ["jack_lsp"], capture_output=True, text=True, timeout=10, check=True
    ).stdout.split()
    assert "system:playback_1" in listing  # the dummy driver's ports


def test_virtual_ports_show_as_client_colon_port(
    midi_sender: SenderFactory, midi_receiver: ReceiverFactory
) -> None:
    receiver = midi_receiver("names-rx")
    sender = midi_sender("names-tx")
    listing = subprocess.run(
        ["jack_lsp"], capture_output=True, text=True, timeout=10, check=True
    ).stdout.split()
    assert receiver.port_name in listing
    assert sender.port_name in listing


def test_messages_arrive_exactly_and_in_order_via_jack_connect(
    midi_sender: SenderFactory,
    midi_receiver: ReceiverFactory,
    jack_connect: Callable[[str, str], None],
) -> None:
    """Two virtual ports wired by the stock jack_connect client, as a user would in a patchbay."""
    receiver = midi_receiver("order-rx")
    sender = midi_sender("order-tx")
    jack_connect(sender.port_name, receiver.port_name)
    receiver.wait_for_probe(sender.send)

    for message in PHRASE:
        sender.send(message)
    events = receiver.wait_for(len(PHRASE))

    assert [message for _, message in events] == PHRASE
    times = [t for t, _ in events]
    assert times == sorted(times)


def test_output_opened_onto_a_virtual_input_by_name(
    midi_sender: SenderFactory, midi_receiver: ReceiverFactory
) -> None:
    """The engine's path: find the destination among rtmidi's port names and open onto it."""
    receiver = midi_receiver("open-rx")
    sender = midi_sender("open-tx", connect_to=receiver.port_name)
    receiver.wait_for_probe(sender.send)

    burst = [bytes([NOTE_ON | (i % 16), 36 + i % 48, 1 + i % 127]) for i in range(64)]
    for message in burst:
        sender.send(message)

    assert receiver.wait_for(len(burst)) and receiver.messages == burst


def test_nothing_arrives_without_a_connection(
    midi_sender: SenderFactory, midi_receiver: ReceiverFactory
) -> None:
    """Unconnected ports stay silent: the receiver sees only what is routed to it."""
    receiver = midi_receiver("quiet-rx")
    wired = midi_sender("quiet-wired", connect_to=receiver.port_name)
    loose = midi_sender("quiet-loose")
    receiver.wait_for_probe(wired.send)

    loose.send([NOTE_ON, 61, 100])
    wired.send([NOTE_ON, 62, 100])
    receiver.wait_for(1)
    # A full round trip after the loose send: anything routed from it would be here by now.
    wired.send([NOTE_ON, 63, 100])

    assert [m for _, m in receiver.wait_for(2)] == [
        bytes([NOTE_ON, 62, 100]),
        bytes([NOTE_ON, 63, 100]),
    ]


def test_note_pairs_arrive_within_a_bounded_time(
    midi_sender: SenderFactory, midi_receiver: ReceiverFactory
) -> None:
    """Send->receive stays well under a musical tolerance (one 64-frame period is 1.3 ms)."""
    receiver = midi_receiver("latency-rx")
    sender = midi_sender("latency-tx", connect_to=receiver.port_name)
    receiver.wait_for_probe(sender.send)

    latencies: list[float] = []
    for i in range(40):
        note = 48 + i % 24
        for message in (bytes([NOTE_ON, note, 100]), bytes([NOTE_OFF, note, 0])):
            receiver.clear()
            sent_at = sender.send(message)
            (arrived_at, got), *_ = receiver.wait_for(1, timeout=1.0)
            assert got == message
            latencies.append(arrived_at - sent_at)

    # Bounds are loose on purpose (shared 2-core CI, no realtime priority); measured here:
    # p50 about 0.5 ms. A broken route or a buffering layer shows up as tens of ms.
    assert min(latencies) > 0
    assert statistics.median(latencies) < 0.010, sorted(latencies)
    assert max(latencies) < 0.100, sorted(latencies)


# --- tools/with-jack.sh itself: the harness every JACK test depends on -----------------------

WITH_JACK = Path(__file__).resolve().parents[3] / "tools" / "with-jack.sh"


def _with_jack(*command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(WITH_JACK), *command],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )


def test_with_jack_returns_the_command_status_and_stops_its_server(jack_server: JackServer) -> None:
    script = 'echo "$JACK_DEFAULT_SERVER $JACK_NO_START_SERVER"; jack_lsp >/dev/null; exit 7'
    done = _with_jack("bash", "-c", script)
    assert done.returncode == 7, done.stderr
    server, no_start = done.stdout.split()
    assert server != jack_server.name  # a server of its own, not the one this suite runs on
    assert no_start == "1"
    after = subprocess.run(
        ["jack_lsp"],
        capture_output=True,
        timeout=10,
        check=False,
        env={**os.environ, "JACK_DEFAULT_SERVER": server},
    )
    assert after.returncode != 0, f"server {server} still answers after with-jack.sh returned"


def test_with_jack_fails_loudly_when_jackd_does_not_start(tmp_path: Path) -> None:
    fake = tmp_path / "jackd"
    fake.write_text("#!/bin/sh\necho 'fake jackd: cannot open driver' >&2\nexit 4\n")
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    done = _with_jack("touch", str(tmp_path / "ran"), env=env)
    assert done.returncode == 1
    assert "jackd exited with status 4" in done.stderr
    assert "fake jackd: cannot open driver" in done.stderr  # the log tail is shown
    assert not (tmp_path / "ran").exists()
