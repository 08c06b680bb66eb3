"""The real program on a real terminal: ``musicai-live`` on a tmux pane, playing into a JACK
receiver. The screen shows the key, ``k`` and the command line change it, ``q`` quits, and
nothing is left sounding at the receiver.

tmux is a test dependency (the Makefile installs it with JACK); outside CI a machine without
tmux skips this test, in CI it fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable

import pytest
from conftest import in_ci

NOTE_ON, NOTE_OFF = 0x90, 0x80
ALL_NOTES_OFF = bytes([0xB0, 123, 0])


def tmux_or_skip() -> str:
    tmux = shutil.which("tmux")
    if tmux is None:
        if in_ci():
            pytest.fail("tmux is missing; the CI image must install it (make jack does)")
        pytest.skip("tmux is not installed")
    return tmux


class Pane:
    """One tmux server of our own (its own socket), one window running ``command``."""

    def __init__(self, tmux: str, command: str) -> None:
        self.tmux, self.socket = tmux, f"musicai-test-{os.getpid()}-{time.monotonic_ns()}"
        env = {k: os.environ[k] for k in ("JACK_DEFAULT_SERVER", "JACK_NO_START_SERVER")
               if k in os.environ}
        exports = " ".join(f"{k}={v}" for k, v in env.items())
        self.run("new-session", "-d", "-x", "120", "-y", "32", f"env {exports} {command}")
        self.run("set-option", "-g", "remain-on-exit", "on")

    def run(self, *args: str) -> str:
        done = subprocess.run([self.tmux, "-L", self.socket, *args], capture_output=True,
                              text=True, timeout=10, check=False)
        return done.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-J")

    def keys(self, *keys: str) -> None:
        self.run("send-keys", *keys)

    def dead(self) -> bool:
        return self.run("display-message", "-p", "#{pane_dead}").strip() == "1"

    def wait_for(self, what: Callable[[str], bool], timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if what(screen):
                return screen
            if time.monotonic() > deadline:
                pytest.fail(f"timed out; the pane shows:\n{screen}")
            time.sleep(0.1)

    def close(self) -> None:
        self.run("kill-server")


def sounding(messages: list[bytes]) -> set[int]:
    on: set[int] = set()
    for m in messages:
        if m[0] & 0xF0 == NOTE_ON and m[2] > 0:
            on.add(m[1])
        elif m[0] & 0xF0 in (NOTE_ON, NOTE_OFF):
            on.discard(m[1])
        elif m == ALL_NOTES_OFF:
            on.clear()
    return on


@pytest.mark.jack
def test_the_screen_on_a_terminal_changes_key_and_quits_silently(midi_receiver) -> None:
    tmux = tmux_or_skip()
    receiver = midi_receiver("tui-rx")
    pane = Pane(tmux, f"{sys.executable} -m musicai.live.cli --backend jack --port "
                f"{receiver.port_name} --model none --seed 3 --bpm 200")
    try:
        pane.wait_for(lambda s: "Key C major" in s and "Scale C D E F G A B" in s)
        receiver.wait_for(2, timeout=20)  # it is playing into the receiver
        pane.keys("k")
        pane.wait_for(lambda s: "Key G major" in s and "F#" in s)
        pane.keys(":", "key D minor", "Enter")  # typed at once, as a fast typist would
        screen = pane.wait_for(lambda s: "Key D minor" in s)
        assert "MUTED" not in screen and "REC" not in screen  # no key leaked to a binding
        pane.keys("Escape")
        time.sleep(0.3)  # ESC then q at once would be read as alt+q
        pane.keys("q")
        pane.wait_for(lambda s: pane.dead(), timeout=20)
        screen = pane.screen()
        assert "played" in screen and "note-on timing" in screen and "Traceback" not in screen
    finally:
        pane.close()
    messages = receiver.messages
    assert ALL_NOTES_OFF in messages
    assert sounding(messages) == set()
    last_on = max(i for i, m in enumerate(messages) if m[0] & 0xF0 == NOTE_ON and m[2] > 0)
    assert sounding(messages[: last_on + 1])  # a note was sounding when q came ...
    assert ALL_NOTES_OFF in messages[last_on:]  # ... and was silenced after it
