"""Onsets as a third-party JACK receiver hears them: JACK-Client beside rtmidi, per period.

    python bench/bench_jack_frames.py [--notes 120] [--periods 64,256,1024] [--rate 48000]
                                      (make bench)

For each period this starts a private JACK server of its own (dummy driver; the one `make
bench` runs beside stays at 64 frames) and ``jack_midi_dump -a`` as the receiver: a program
not ours, printing the frame each message arrives at. A sender thread plays a melody's
rhythm (sixteenths, eighths, dotted eighths and 32nds at 120 bpm, drawn from a fixed seed)
the way the engine does: ``WallClock.wait_until`` each note's scheduled time, then send it
with that time, under the engine's GIL switch interval (0.5 ms). The same notes go out through
``--backend jack`` (JACK-Client, every message at its frame), then the same port placing due
times by JACK's own estimate of the frame now (``jack_frame_time``, the way before
``live/midi/frame_clock.py``: row ``jack (estimate)``), and, in the same run right after,
``--backend jack-rtmidi`` (python-rtmidi).

Deviation = (received frame / rate) - scheduled time, minus its median (the constant
latency, which is reported apart): p50, p99 and max of its absolute value, in ms. Xruns are
counted by a JACK-Client monitor on the server during each row. The target is p99 <= 0.1 ms
at every period. No jackd or jack_midi_dump: one line says so and nothing is measured.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from musicai.live.engine.clock import WallClock
from musicai.live.midi.backends import open_output
from musicai.live.midi.frame_clock import FrameClock
from musicai.live.midi.signals import switch_interval
from musicai.live.perform import SWITCH_INTERVAL

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from private_jack import PrivateJack as Server

DUMP_LINE = re.compile(r"^\s*(\d+):\s+90 ")
GAPS = (0.125, 0.125, 0.25, 0.25, 0.375, 0.0625)  # seconds at 120 bpm: 16th .. dotted 8th


class EstimateOnly(FrameClock):
    """Never answers, so the port falls back to JACK's estimate of the frame now."""

    def frame_at(self, seconds: float) -> int | None:
        return None


def schedule(notes: int, seed: int = 7) -> list[float]:
    rng = random.Random(seed)
    times, t = [], 0.0
    for _ in range(notes):
        times.append(t)
        t += rng.choice(GAPS)
    return times


def measure(backend: str, server: Server, rate: int, notes: int) -> dict:
    import jack

    os.environ["JACK_DEFAULT_SERVER"] = server.name  # this process's clients
    dump = subprocess.Popen(["stdbuf", "-oL", "jack_midi_dump", "-a"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=server.env)
    frames: list[int] = []
    lines: list[str] = []

    def read() -> None:
        for line in dump.stdout:
            lines.append(line.rstrip())
            if m := DUMP_LINE.match(line):
                frames.append(int(m.group(1)))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    monitor = jack.Client(f"xrun-monitor-{backend}", no_start_server=True)
    xruns = [0]
    monitor.set_xrun_callback(lambda delay: xruns.__setitem__(0, xruns[0] + 1))
    monitor.activate()
    deadline = time.monotonic() + 5
    while "midi-monitor:input" not in [p.name for p in monitor.get_ports(is_midi=True)]:
        if time.monotonic() > deadline:
            raise SystemExit("bench_jack_frames: jack_midi_dump did not register its port")
        time.sleep(0.02)
    clock = WallClock()
    due: list[float] = []
    # as musicai-live plays: the sender's spin must hand the GIL to JACK's process callback
    # (in this process) within half a millisecond, not Python's default 5 ms
    with switch_interval(SWITCH_INTERVAL), open_output(backend.split()[0],
                                                       "midi-monitor:input") as out:
        if backend == "jack (estimate)":
            out.frame_clock = EstimateOnly(out.rate)
        latency = getattr(out, "latency", None)
        start = clock.now() + 0.2
        for i, offset in enumerate(schedule(notes)):
            when = start + offset
            clock.wait_until(when)
            out.send([0x90, 60 + i % 12, 90], when)
            due.append(when)
            out.send([0x80, 60 + i % 12, 0], when)
        clock.wait_until(clock.now() + 0.2)
    monitor.deactivate()
    monitor.close()
    deadline = time.monotonic() + 3  # jack_midi_dump prints from its own loop, later
    while len(frames) < len(due) and time.monotonic() < deadline:
        time.sleep(0.02)
    dump.terminate()
    dump.wait(5)
    reader.join(2)
    if len(frames) != len(due):
        raise SystemExit(f"bench_jack_frames: {backend}: {len(frames)} of {len(due)} onsets "
                         "reached jack_midi_dump")
    raw = [f / rate - d for f, d in zip(frames, due, strict=True)]
    centre = statistics.median(raw)
    dev = sorted(abs(r - centre) * 1000 for r in raw)
    return {"p50": statistics.median(dev), "p99": dev[min(len(dev) - 1, int(0.99 * len(dev)))],
            "max": dev[-1], "xruns": xruns[0], "latency": latency}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=120)
    parser.add_argument("--periods", default="64,256,1024")
    parser.add_argument("--rate", type=int, default=48000)
    parser.add_argument("--realtime", action="store_true",
                        help="run the servers with SCHED_FIFO (jackd -R), as a musician's does")
    args = parser.parse_args(argv)
    missing = [t for t in ("jackd", "jack_lsp", "jack_midi_dump", "stdbuf") if not shutil.which(t)]
    if missing:
        print(f"bench_jack_frames: {', '.join(missing)} not found ('make jack'); skipped")
        return 0
    periods = [int(p) for p in args.periods.split(",")]
    load = os.getloadavg()[0]
    print(f"onset deviation at jack_midi_dump -a, {args.notes} notes per row, {args.rate} Hz, "
          f"load {load:.1f}, {Path(sys.executable).name}, server "
          + ("real-time (jackd -R)" if args.realtime else "--no-realtime"))
    print(f"{'period':>6} {'backend':<16} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
          f"{'xruns':>5}  latency")
    for period in periods:
        try:
            server = Server(args.rate, period, stem=8_000_000, realtime=args.realtime)
        except RuntimeError as err:
            raise SystemExit(f"bench_jack_frames: {err}") from err
        try:
            for backend in ("jack", "jack (estimate)", "jack-rtmidi"):
                row = measure(backend, server, args.rate, args.notes)
                stated = (f"{1000 * row['latency']:.2f} ms stated" if row["latency"]
                          else "up to one period")
                verdict = "  target p99 <= 0.1 ms: " + ("met" if row["p99"] <= 0.1 else
                                                        "missed") if backend == "jack" else ""
                print(f"{period:>6} {backend:<16} {row['p50']:8.3f} {row['p99']:8.3f} "
                      f"{row['max']:8.3f} {row['xruns']:>5}  {stated}{verdict}")
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
