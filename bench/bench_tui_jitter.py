"""Onset jitter with the terminal UI open: the engine alone, beside the screen, and in its own
process beside the screen, side by side in one run.

    python bench/bench_tui_jitter.py [--seconds 10] [--rounds 3] [--bpm 180]   (make bench)

The real ``Engine`` on a ``WallClock`` (sleep, then spin) with the theory sampler plays
sixteenths (every other duration ruled out, no rests: a note-on every 83 ms at 180 bpm) into a
``RecordingOutput``, or into a JACK virtual output when a JACK server is up. Lateness is what
the engine itself measures: clock after the note-on left minus its scheduled time.

Rows (interleaved round by round, so they share the machine's load):

* engine alone: the main thread idle, as ``perform`` runs it (switch interval 0.0005 s);
* engine + screen: the real ``LiveApp`` in a Textual headless run (``App.run_test``: the full
  compositor runs every frame, only the terminal write is skipped) reading snapshots at 25 Hz
  and repainting its piano roll, first with CPython's default switch interval (0.005 s), then
  with the product's 0.0005 s, then with the product's garbage-collector setting
  (``live.tui.gc_quiet``: ``gc.freeze`` after start-up) as ``musicai-live`` runs it;
* engine process + screen: the engine in a child process (spawn) sending snapshots through a
  pipe right after each note, the same screen in this process: the design ``musicai-live``
  uses (``live/screen_engine.py``), here with the harness's sixteenths;
* real terminal: ``musicai-live`` itself on a tmux pane (when tmux is installed), from its own
  report line: the whole product (engine process, screen, terminal writes), playing its own
  rhythms at the same tempo.

A benchmark, not a test: it prints a table and the target (onset p99 <= 0.5 ms). On a shared
machine the tail follows the load average printed in the header.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing as mp
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from musicai.live.engine.clock import WallClock
from musicai.live.engine.commands import Action
from musicai.live.engine.loop import Engine, EngineSettings
from musicai.live.engine.snapshot import EngineSnapshot
from musicai.live.inference.predictor import TheoryOnlyPredictor
from musicai.live.midi.recording import RecordingOutput
from musicai.live.midi.signals import switch_interval
from musicai.live.perform import SWITCH_INTERVAL
from musicai.live.sampler.engine_sampler import EngineSampler
from musicai.live.sampler.settings import SamplerSettings
from musicai.live.sampler.theory_sampler import TheorySampler
from musicai.live.tui import gc_quiet

SIXTEENTH = 120
NO_RESTS = SamplerSettings(rest_bias=-float("inf"), rest_rate=0.0, breath=0.0)
TARGET_P99_MS = 0.5
ROOT = Path(__file__).resolve().parents[1]


class Sixteenths(TheoryOnlyPredictor):
    """Harness only: flat pitch logits, every duration but the 16th ruled out."""

    def __init__(self) -> None:
        super().__init__()
        self._pin = np.full(self.vocab.n_durations, -1e4, np.float32)
        self._pin[self.vocab.duration_id(SIXTEENTH)] = 0.0

    def predict(self, harmony: int, instrument: int = 0):
        pitch, _ = super().predict(harmony, instrument)
        return pitch, self._pin


def output():
    """A JACK virtual output when a server is up (a real port), else a recording output."""
    if os.environ.get("JACK_DEFAULT_SERVER"):
        try:
            from musicai.live.midi.backends import open_output

            return open_output("jack", "musicai-bench-tui")
        except Exception:  # no usable JACK here: record instead
            pass
    return RecordingOutput()


def make_engine(bpm: float) -> Engine:
    sampler = EngineSampler(TheorySampler(NO_RESTS, seed=1))
    return Engine(Sixteenths(), sampler, output(), clock=WallClock(),
                  settings=EngineSettings(bpm=bpm, preroll=0.2))


def late_ms(engine: Engine, skip: int = 4) -> list[float]:
    """The engine's own lateness samples (ms), without the first few (start-up)."""
    count = engine.jitter.count
    values = engine.jitter.values()
    order = np.roll(values, -(count % len(values))) if count > len(values) else values
    return [v * 1000 for v in order[skip:]]


# the rows -----------------------------------------------------------------------------------
def alone(bpm: float, seconds: float) -> list[float]:
    engine = make_engine(bpm)
    with switch_interval(SWITCH_INTERVAL):
        thread = threading.Thread(target=engine.run, name="engine")
        thread.start()
        time.sleep(seconds)
        engine.stop()
        thread.join()
    engine.output.close()
    return late_ms(engine)


def with_screen(bpm: float, seconds: float, switch: float, quiet_gc: bool,
                process: bool = False) -> list[float]:
    from musicai.live.tui.app import LiveApp

    engine = ChildEngine(bpm, seconds + 1) if process else make_engine(bpm)
    thread = None if process else threading.Thread(target=engine.run, name="engine")

    async def show() -> None:
        app = LiveApp(engine)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            if quiet_gc:
                gc_quiet.after_start()
            if thread is not None:
                thread.start()
            else:
                engine.go()  # the screen is drawn: the engine process may start
            await asyncio.sleep(seconds)

    with switch_interval(switch), gc_quiet.performing(quiet_gc):
        try:
            asyncio.run(show())
        finally:
            engine.stop()
            if thread is not None and thread.is_alive():
                thread.join()
    if process:
        return engine.result()
    engine.output.close()
    return late_ms(engine)


class ChildEngine:
    """The engine in a spawned process; what the screen needs, over a queue and a pipe."""

    def __init__(self, bpm: float, seconds: float) -> None:
        ctx = mp.get_context("spawn")
        self.commands = ctx.Queue()
        self._conn, child = ctx.Pipe(duplex=False)
        self.settings = EngineSettings(bpm=bpm)
        self._snapshot = EngineSnapshot(bpm=bpm)
        self._late: list[float] | None = None
        self.process = ctx.Process(target=_child, args=(child, self.commands, bpm, seconds))
        self.process.start()

    @property
    def snapshot(self) -> EngineSnapshot:
        while self._late is None and self._conn.poll():
            got = self._conn.recv()
            if isinstance(got, EngineSnapshot):
                self._snapshot = got
            else:
                self._late = got
        return self._snapshot

    def send(self, command) -> None:
        self.commands.put(command)

    def go(self) -> None:
        self.commands.put("go")

    def stop(self) -> None:
        self.send(Action("stop"))

    def result(self) -> list[float]:
        while self._late is None and (self.process.is_alive() or self._conn.poll()):
            self._conn.poll(1)
            self.snapshot  # noqa: B018 - drains the pipe
        self.process.join(10)
        if self._late is None:
            raise SystemExit(f"the engine process failed (exit {self.process.exitcode})")
        return self._late


def _child(conn, commands, bpm: float, seconds: float) -> None:
    """Child process: play, send a snapshot after each note (from a helper thread, right after
    the note-on, when the next onset is furthest away), then the lateness samples."""
    gc.collect()
    gc.freeze()
    engine = make_engine(bpm)
    commands.get(timeout=30)  # "go": the screen is up (as live/screen_engine.py waits)
    played = threading.Event()
    engine.listeners.append(lambda _note: played.set())
    with switch_interval(SWITCH_INTERVAL):
        thread = threading.Thread(target=engine.run, name="engine")
        thread.start()

        def publish() -> None:
            while thread.is_alive():
                if played.wait(0.1):
                    played.clear()
                    conn.send(engine.snapshot)

        threading.Thread(target=publish, daemon=True).start()
        deadline = time.monotonic() + seconds
        while thread.is_alive() and time.monotonic() < deadline:
            try:
                engine.send(commands.get(timeout=0.05))
            except Exception:  # queue.Empty
                continue
        engine.stop()
        thread.join()
    engine.output.close()
    conn.send(late_ms(engine))


def in_tmux(bpm: float, seconds: float) -> list[float] | None:
    """``musicai-live`` on a real terminal (tmux); its report line gives p50/p99/max only."""
    tmux = shutil.which("tmux")
    if tmux is None:
        return None
    bars = max(2, round(seconds * bpm / 240))
    socket = f"musicai-bench-{os.getpid()}-{time.monotonic_ns()}"
    log = Path(tempfile.mkdtemp()) / "report.txt"
    cmd = (f"{sys.executable} -m musicai.live.cli --model none --bpm {bpm:g} --bars {bars} "
           f"--seed 1"
           + (' --backend jack' if os.environ.get('JACK_DEFAULT_SERVER') else '') +
           f" --takes {log.parent}; sleep 30")
    subprocess.run([tmux, "-L", socket, "new-session", "-d", "-x", "120", "-y", "40", cmd],
                   check=True, cwd=ROOT)
    try:
        deadline = time.monotonic() + seconds + 30
        while time.monotonic() < deadline:
            pane = subprocess.run([tmux, "-L", socket, "capture-pane", "-p", "-J"],
                                  capture_output=True, text=True).stdout
            found = re.search(r"p50 ([\d.]+) ms, p99 ([\d.]+) ms, max ([\d.]+) ms", pane)
            if found:
                return [float(x) for x in found.groups()]
            time.sleep(0.5)
        return None
    finally:
        subprocess.run([tmux, "-L", socket, "kill-server"], capture_output=True)


# the table ----------------------------------------------------------------------------------
ROWS = {
    "engine alone (switch 0.0005)": lambda a: alone(a.bpm, a.seconds),
    "one process: engine + screen, switch 0.005 (default)":
        lambda a: with_screen(a.bpm, a.seconds, 0.005, quiet_gc=False),
    "one process: engine + screen, switch 0.0005":
        lambda a: with_screen(a.bpm, a.seconds, SWITCH_INTERVAL, quiet_gc=False),
    "one process: ... + switch 0.0005 + gc freeze":
        lambda a: with_screen(a.bpm, a.seconds, SWITCH_INTERVAL, quiet_gc=True),
    "engine process + screen (as musicai-live runs)":
        lambda a: with_screen(a.bpm, a.seconds, SWITCH_INTERVAL, quiet_gc=True, process=True),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per row and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bpm", type=float, default=180.0)
    args = parser.parse_args(argv)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    out = "JACK virtual output" if os.environ.get("JACK_DEFAULT_SERVER") else "RecordingOutput"
    print(f"onset lateness with the screen open: {os.cpu_count()} cores, load average {load}; "
          f"16ths at {args.bpm:g} bpm into a {out}, {args.rounds} x {args.seconds:g} s per row")
    samples: dict[str, list[float]] = {name: [] for name in ROWS}
    for _ in range(args.rounds):
        for name, row in ROWS.items():
            samples[name] += row(args)
    print(f"{'':<54}{'notes':>6}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name, values in samples.items():
        ms = np.asarray(values)
        p50, p99 = np.percentile(ms, (50, 99)) if ms.size else (np.nan, np.nan)
        print(f"{name:<54}{ms.size:>6}{p50:>9.2f}{p99:>9.2f}{ms.max(initial=0):>9.2f}")
    real = in_tmux(args.bpm, args.seconds * args.rounds)
    if real is not None:
        print(f"{'musicai-live on a tmux terminal (report line)':<54}{'':>6}"
              f"{real[0]:>9.2f}{real[1]:>9.2f}{real[2]:>9.2f}")
    print(f"target: onset p99 <= {TARGET_P99_MS} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
