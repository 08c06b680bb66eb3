"""Input through JACK-Client (``--backend jack``): a port on the output's own client, every
message dated by its frame.

A sequencer in another process (``tests/jack_frame_sender.py``) writes messages at exact
frames on a private server with a musician's period (1024 frames, 21 ms): rtmidi would date
every one at its cycle's start, so spacings would jump by whole periods. Here the spacing of
the dates must be the spacing of the frames.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from jack_servers import Server, private_jack
from musicai.live.midi.inbox import Inbox
from musicai.live.midi.jack_input import JackInput
from musicai.live.midi.jack_output import JackOutput

SENDER = Path(__file__).resolve().parents[2] / "jack_frame_sender.py"
RATE, PERIOD = 48000, 1024
pytestmark = pytest.mark.jack


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    started = private_jack(RATE, PERIOD)
    monkeypatch.setenv("JACK_DEFAULT_SERVER", started.name)
    try:
        yield started
    finally:
        started.stop()


def send(server: Server, count: int, spacing: int, message: str, listen: Inbox,
         output: JackOutput) -> JackInput:
    proc = subprocess.Popen([sys.executable, str(SENDER), "seq", str(count), str(spacing),
                             message], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=server.env)
    try:
        assert proc.stdout.readline().startswith("ready"), proc.stderr.read()
        listener = JackInput(output, "seq:out", listen).open()
        assert not listener.virtual and listener.name == "seq:out"
        proc.stdin.write("go\n")
        proc.stdin.flush()
        assert proc.stdout.readline().startswith("sent"), proc.stderr.read()
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    return listener


def wait_for(inbox: Inbox, count: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while len(inbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.01)


def test_messages_are_dated_by_their_frame_not_their_cycle(server: Server) -> None:
    output = JackOutput(None, client_name="musicai-in-test")
    inbox = Inbox()
    spacing = 1500  # 31.25 ms: a different offset in almost every 1024-frame cycle
    listener = send(server, 40, spacing, "903c64", inbox, output)
    try:
        wait_for(inbox, 40)
        times = np.array([m[0] for m in inbox.messages])
    finally:
        listener.close()
        output.close()
    assert len(times) == 40
    error_ms = np.abs(np.diff(times) - spacing / RATE) * 1000
    # rtmidi dates by cycle: spacings of 21.3 or 42.7 ms, errors up to 10 ms at this period
    assert np.median(error_ms) < 0.05, error_ms
    assert np.percentile(error_ms, 90) < 1.0, error_ms
    assert times[-1] < time.perf_counter()  # dated by frame, not in the future once played


def test_clock_pulses_are_skipped_unless_clock_is_followed(server: Server) -> None:
    output = JackOutput(None, client_name="musicai-in-test")
    ignoring, following = Inbox(), Inbox(clock=True)
    for inbox in (ignoring, following):
        listener = send(server, 48, 100, "f8", inbox, output)
        try:
            wait_for(inbox, 1, timeout=1.0)
            time.sleep(0.2)
        finally:
            listener.close()
    output.close()
    assert ignoring.received == 0
    assert following.received == 48 and len(following.pulses) == 48


def test_a_source_that_quits_is_lost_then_found_again(server: Server) -> None:
    from musicai.live.midi.input_watch import InputWatch

    def sequencer() -> subprocess.Popen[str]:
        proc = subprocess.Popen([sys.executable, str(SENDER), "seq", "3", "480"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                env=server.env)
        assert proc.stdout.readline().startswith("ready")
        return proc

    output = JackOutput(None, client_name="musicai-in-test")
    inbox = Inbox()
    lines: list[str] = []
    first = sequencer()
    listener = JackInput(output, "seq:out", inbox).open()
    watch = InputWatch(listener, lines.append)
    second = None
    try:
        assert watch.check() and not lines
        first.kill()
        first.wait()
        deadline = time.monotonic() + 5
        while watch.check() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert lines == ["input 'seq:out' lost; waiting for it to return"]
        assert not listener.is_open
        second = sequencer()
        assert watch.check() and lines[-1] == "input 'seq:out' is back"
        second.stdin.write("go\n")
        second.stdin.flush()
        assert second.stdout.readline().startswith("sent")
        wait_for(inbox, 3)
        assert [m[1] for m in inbox.messages if m[1]] == [0x90] * 3
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
        listener.close()
        output.close()
