"""Either process of the screen mode dies: the other notices, and nothing stays sounding.

Real processes on a JACK server of the test's own: the screen's stand-in
(tests/screen_standin.py: the real link and engine process, without Textual), a receiver here
that hears what a listener would, and SIGKILL, which no handler can catch. The server is
asynchronous, as JACK2 and PipeWire run for musicians: a SIGKILLed client wedges a synchronous
one (the shared test server) for every client after it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import MidiReceiver, unique_client_name
from jack_servers import private_jack

STANDIN = Path(__file__).parents[2] / "screen_standin.py"
ALL_NOTES_OFF = 123
pytestmark = pytest.mark.jack


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[MidiReceiver]:
    """A receiver on a private asynchronous server that this test's processes all use."""
    server = private_jack(48000, 256, synchronous=False)
    for name, value in server.env.items():
        if name.startswith("JACK_"):
            monkeypatch.setenv(name, value)
    heard = MidiReceiver(unique_client_name("death-rx"))
    try:
        yield heard
    finally:
        heard.close()
        server.stop()


def standin(port: str, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(STANDIN), port, mode],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def alive(pid: int) -> bool:
    """Running (not gone, not a zombie nobody reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def sounding(messages: list[bytes]) -> set[tuple[int, int]]:
    on: set[tuple[int, int]] = set()
    for m in messages:
        kind, channel = m[0] & 0xF0, m[0] & 0x0F
        if kind == 0x90 and m[2] > 0:
            on.add((channel, m[1]))
        elif kind in (0x80, 0x90):
            on.discard((channel, m[1]))
        elif kind == 0xB0 and m[1] == ALL_NOTES_OFF:
            on = {n for n in on if n[0] != channel}
    return on


def test_the_engine_ends_when_the_screen_is_killed_even_with_its_pipe_held_open(
        receiver: MidiReceiver) -> None:
    proc = standin(receiver.port_name, "hold-pipe")
    holder = None
    try:
        line = proc.stdout.readline()
        assert line, proc.communicate(timeout=10)[1]
        engine, holder = (int(x) for x in line.split())
        proc.send_signal(signal.SIGKILL)
        proc.wait(5)
        assert wait_gone(engine, 5), "the engine process outlived the screen"
        time.sleep(0.3)  # the last cycle's messages
        messages = receiver.messages
        assert any(m[0] & 0xF0 == 0x90 and m[2] > 0 for m in messages)
        assert not sounding(messages), messages[-8:]
        assert bytes([0xB0, ALL_NOTES_OFF, 0]) in messages
    finally:
        if holder is not None:
            os.kill(holder, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()


def test_when_the_engine_is_killed_the_screen_says_so_and_silences_the_port(
        receiver: MidiReceiver) -> None:
    proc = standin(receiver.port_name, "step")
    try:
        line = proc.stdout.readline()
        assert line, proc.communicate(timeout=10)[1]
        engine = int(line)
        os.kill(engine, signal.SIGKILL)
        killed_at = len(receiver.messages)
        _, stderr = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, stderr
    lines = [x for x in stderr.splitlines() if "ended unexpectedly" in x]
    assert len(lines) == 1, stderr
    assert "killed by signal 9" in lines[0] and "sent All Notes Off" in lines[0]
    assert "Traceback" not in stderr
    after = receiver.wait_for(killed_at + 48, timeout=5)[killed_at:]
    silenced = {m[0] & 0x0F for _, m in after if m[0] & 0xF0 == 0xB0 and m[1] == ALL_NOTES_OFF}
    assert silenced == set(range(16))
    assert not sounding([m for _, m in receiver.events])
