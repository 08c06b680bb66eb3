"""Helpers for the JACK jam tests: the sending process and the instrument as a process.

The instrument runs as ``musicai-live`` in its own process (as people run it, and so that the
test's receiver callbacks never share its GIL); a second process (``jam_sender.py``) plays
the keyboard or the clock master; the test process receives. Both helpers read their
processes' output on threads so that nothing blocks on a full pipe.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

SENDER = Path(__file__).with_name("jam_sender.py")
LINE = re.compile(r"^\s*(\d+\.\d{3})s\s+(\d+):(\d+(?:\.\d+)?)\s+(\S+)\s+v(\d+)\s+(\S+)$")
REPORT = re.compile(r"p50 ([\d.]+) ms, p99 ([\d.]+) ms, max ([\d.]+) ms, (\d+) late")


def _pump(stream, lines: list[str], cond: threading.Condition) -> None:
    for line in stream:
        with cond:
            lines.append(line.rstrip("\n"))
            cond.notify_all()


class Process:
    def __init__(self, args: list[str]) -> None:
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, bufsize=1,
                                     env=dict(os.environ, PYTHONUNBUFFERED="1"))
        self.out: list[str] = []
        self.err: list[str] = []
        self._cond = threading.Condition()
        for stream, lines in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=_pump, args=(stream, lines, self._cond), daemon=True).start()

    def wait_line(self, needle: str, timeout: float = 20.0, stream: str = "err") -> str:
        lines = self.err if stream == "err" else self.out
        deadline, ended = time.monotonic() + timeout, None
        with self._cond:
            while True:
                for line in lines:
                    if needle in line:
                        return line
                now = time.monotonic()
                if self.proc.poll() is not None:
                    ended = ended or now  # the pipes may still hold its last lines
                if now > deadline or (ended is not None and now - ended > 0.5):
                    pytest.fail(f"no {needle!r} within {timeout} s; stderr: {self.err}")
                self._cond.wait(0.1)

    def tell(self, line: str = "") -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def wait(self, timeout: float = 60.0) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            pytest.fail(f"still running after {timeout} s; stderr: {self.err}")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


class Sender(Process):
    """``jam_sender.py``: a virtual JACK output ``CLIENT:out`` that plays a script on cue."""

    def __init__(self, client: str, mode: str, spec: object) -> None:
        super().__init__([sys.executable, str(SENDER), client, mode, json.dumps(spec)])
        self.port = f"{client}:out"
        self.wait_line("ready", stream="out")

    def go(self) -> None:
        self.tell()

    def result(self, timeout: float = 60.0) -> dict:
        line = self.wait_line('"sent"', timeout, stream="out")
        return json.loads(line)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.tell()
            self.wait(10)


def live(*args: str) -> Process:
    """``musicai-live`` on JACK, theory only, headless."""
    return Process([sys.executable, "-m", "musicai.live.cli", "--backend", "jack", "--model",
                    "none", "--headless", *args])


def printed(lines: list[str]) -> list[tuple[int, str, int, str]]:
    """(tick, note name, velocity, chord) of every note line printed."""
    out = []
    for line in lines:
        match = LINE.match(line)
        assert match, f"not a note line: {line!r}"
        _, bar, beat, name, velocity, chord = match.groups()
        tick = round(((int(bar) - 1) * 4 + float(beat) - 1) * 480 / 20) * 20
        out.append((tick, name, int(velocity), chord))
    return out


def seconds(lines: list[str]) -> list[float]:
    """When each printed note sounds by the engine's clock (read right after the send, plus
    the port's stated latency: no output delivery in it), in seconds from tick 0's time."""
    return [float(LINE.match(line).group(1)) for line in lines]


def jitter(stderr: list[str]) -> tuple[float, float, float, int]:
    """(p50, p99, max, late) in ms from the run's last report line."""
    for line in reversed(stderr):
        match = REPORT.search(line)
        if match:
            return (float(match[1]), float(match[2]), float(match[3]), int(match[4]))
    pytest.fail(f"no timing report in {stderr}")
