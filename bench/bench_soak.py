"""A long run, as a gig is: memory, timing drift and the take's cost over time.

    python bench/bench_soak.py [--minutes 10] [--bpm 160] [--model models/default.onnx]
                               (make bench runs the 10-minute version; --minutes 60 for an hour)

Plays the shipped model (or ``--model none``) through the screen mode's two processes, as
``musicai-live`` runs them with the screen open: the real engine process
(``screen_engine.child_main``) recording a take, and this process on the other end of the
link, taking every snapshot as the screen does (without Textual, so the figures are the
engine's). It reports:

* RSS of the engine process and of this one, sampled every 10 s, and the growth per hour as
  the slope over the run's second half (start-up allocations excluded); target <= 5 MB/hour;
* onset lateness (what the engine measures for each note: clock after the note-on left minus
  its scheduled time, every note taken from the snapshots) as p50/p99/max per slice of a
  twelfth of the run (5 minutes of an hour): no slice may drift;
* the take's flush cost over a simulated two-hour take (16 notes a second, fed in faster than
  real time in this process), beside the old way (rebuild and rewrite the whole file) measured
  in the same run: median append time per simulated 10 minutes, and one whole rewrite in the
  middle of each 10 minutes.

With ``--port`` it plays into that port; without, into a virtual port (JACK when a server is
up). On a shared machine the tail follows the load average printed in the header.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from musicai.live.engine.snapshot import PlayedNote
from musicai.live.midi.take import TakeRecorder
from musicai.live.midi.take_file import TakeInfo, build, save_atomically
from musicai.live.screen_engine import child_main
from musicai.live.session import Options
from musicai.live.tui.link import EngineLink

SAMPLE_EVERY = 10.0  # seconds between RSS samples


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def slope_per_hour(samples: list[tuple[float, float]]) -> float:
    """MB per hour over the second half of (seconds, MB) samples."""
    half = samples[len(samples) // 2:]
    if len(half) < 2:
        return float("nan")
    t, mb = np.array(half).T
    return float(np.polyfit(t / 3600.0, mb, 1)[0])


def play(args: argparse.Namespace, take: Path) -> None:
    options = Options(model=args.model, seed=11, bpm=args.bpm, headless=False,
                      takes=take.parent, record=take, port=args.port).checked()
    link = EngineLink(options, child_main)
    if not link.wait_ready():
        raise SystemExit(f"bench_soak: the engine did not start (status {link.finish()})")
    link.go()
    started = time.monotonic()
    length = args.minutes * 60.0
    slice_seconds = length / 12
    late: dict[int, tuple[float, float]] = {}  # onset tick -> (seconds into the run, late)
    rss: dict[str, list[tuple[float, float]]] = {"engine": [], "screen side": []}
    next_sample = 0.0
    while (now := time.monotonic() - started) < length:
        link.poll(0.05)
        for note in link.snapshot.recent:
            if note.pitch is not None and note.onset not in late:
                late[note.onset] = (now, note.late)
        if now >= next_sample:
            rss["engine"].append((now, rss_mb(link.process.pid)))
            rss["screen side"].append((now, rss_mb(os.getpid())))
            next_sample += SAMPLE_EVERY
        if link.stopped:
            raise SystemExit("bench_soak: the engine stopped early")
    status = link.finish()
    print(f"played {len(late):,} notes in {args.minutes:g} min (exit status {status}); "
          f"take {take.stat().st_size / 1024:.0f} KiB")
    print(f"{'process':<12} {'RSS start MB':>12} {'RSS end MB':>10} {'growth MB/hour':>15}")
    for name, samples in rss.items():
        growth = slope_per_hour(samples)
        verdict = "met" if growth <= 5.0 else "missed"
        print(f"{name:<12} {samples[0][1]:12.1f} {samples[-1][1]:10.1f} {growth:15.2f}"
              f"  (target <= 5 MB/hour: {verdict})")
    print(f"\nonset lateness per {slice_seconds / 60:.2f}-minute slice (ms)")
    print(f"{'slice':>5} {'notes':>6} {'p50':>7} {'p99':>7} {'max':>7}")
    for index in range(12):
        values = [1000 * v for t, v in late.values()
                  if index * slice_seconds <= t < (index + 1) * slice_seconds]
        if values:
            print(f"{index + 1:>5} {len(values):>6} {np.percentile(values, 50):7.3f} "
                  f"{np.percentile(values, 99):7.3f} {max(values):7.3f}")


def take_cost(folder: Path, hours: float = 2.0, rate: float = 16.0) -> None:
    """Flush cost as the take grows, the product's way beside the old whole-file rewrite."""
    info = TakeInfo(bpm=120, key="C major", seed=1, model="bench")
    notes_per_flush = int(2 * rate)  # one flush every 2 s of playing
    flushes = int(hours * 3600 / 2)
    growing = TakeRecorder(folder / "growing.mid", info, interval=3600)
    growing.start()
    played: list[tuple] = []
    rows: dict[int, tuple[list[float], list[float]]] = {}
    onset = 0
    for flush in range(flushes):
        for _ in range(notes_per_flush):
            note = PlayedNote(onset, 60 + onset % 12, 60, 80)
            growing.on_note(note)
            played.append((note, 0))
            onset += 60
        minute = int(flush * 2 / 600) * 10
        started = time.perf_counter()
        growing.flush()
        appended = time.perf_counter() - started
        rewrite = float("nan")
        if flush % 300 == 150:  # the old way: once per 10 minutes of take (seconds each)
            started = time.perf_counter()
            save_atomically(build(info, played, []), folder / "rewritten.mid")
            rewrite = time.perf_counter() - started
        row = rows.setdefault(minute, ([], []))
        row[0].append(appended)
        if rewrite == rewrite:
            row[1].append(rewrite)
    growing.close()
    print(f"\ntake flush cost, {hours:g} h simulated at {rate:g} notes/s, a flush every 2 s "
          "(median ms per 10 minutes of take)")
    print(f"{'minute':>6} {'append (now)':>13} {'whole rewrite (before)':>23} {'ratio':>6}")
    for minute, (appends, rewrites) in rows.items():
        a, r = statistics.median(appends) * 1000, statistics.median(rewrites) * 1000
        print(f"{minute:>6} {a:13.3f} {r:23.3f} {r / a:6.0f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--bpm", type=float, default=160.0)
    parser.add_argument("--model", default="models/default.onnx")
    parser.add_argument("--port")
    args = parser.parse_args()
    print(f"soak: {args.minutes:g} minutes at {args.bpm:g} bpm, model {args.model}, load "
          f"{os.getloadavg()[0]:.1f}, {Path(sys.executable).name}")
    with tempfile.TemporaryDirectory(prefix="musicai-soak-") as folder:
        take_cost(Path(folder))
        play(args, Path(folder) / "soak.mid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
