"""Render speed: how fast ``musicai-live --render`` makes a take, per source.

    python bench/bench_render.py [--bars 64] [--runs 7]      (make bench)

Rows: theory only (``--model none``), the shipped stream model (one step per note, states
carried) and the seed BiLSTM window model (a 32-token window re-run per note). Each row
renders ``--runs`` takes with different seeds through ``render.render_one`` (the model loaded
once, as ``--count`` does) and reports the median and p99 of the seconds per take and the
events (notes and rests) per second. The last rows time the whole command, start-up and model
load included, as a user types it: ``musicai-live --render x.mid --bars 64``. Target: that
command with the shipped model in <= 2 s on this machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from musicai.live.render import render_one
from musicai.live.session import Options
from musicai.models import shipped

TARGET_S = 2.0
SOURCES = (("theory only", "none"), ("stream model (default)", str(shipped("default.onnx"))),
           ("seed BiLSTM window", str(shipped("seed-bilstm.onnx"))))


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def in_process(model: str, bars: int, runs: int, folder: Path) -> tuple[list[float], int]:
    seconds, events, predictor = [], 0, None
    for seed in range(runs):
        options = Options(model=model, seed=seed, bars=bars, key="D minor",
                          record=folder / f"take-{seed}.mid").checked()
        started = time.perf_counter()
        predictor, _ = render_one(options, predictor, lambda line: None)
        seconds.append(time.perf_counter() - started)
        events += _events(folder / f"take-{seed}.mid")
    return seconds, events


def _events(path: Path) -> int:
    import mido

    return sum(1 for m in mido.MidiFile(path).tracks[1] if m.type == "note_on")


def whole_command(model: str, bars: int, runs: int, folder: Path) -> list[float]:
    seconds = []
    env = dict(os.environ, JACK_NO_START_SERVER="1")
    for seed in range(runs):
        command = [sys.executable, "-m", "musicai.live.cli", "--render",
                   str(folder / "cmd.mid"), "--bars", str(bars), "--seed", str(seed)]
        if model == "none":
            command += ["--model", "none"]
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bars", type=int, default=64)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(f"render of {args.bars} bars, {args.runs} seeds per row (median / p99)")
    print(f"{'source':<26} {'s per take':>12} {'p99 s':>8} {'notes/s':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for label, model in SOURCES:
            if model != "none" and not Path(model).is_file():
                print(f"{label:<26} {'(no model file)':>12}")
                continue
            seconds, events = in_process(model, args.bars, args.runs, folder)
            rate = events / sum(seconds)
            print(f"{label:<26} {statistics.median(seconds):>12.3f} {p99(seconds):>8.3f} "
                  f"{rate:>10,.0f}")
        print()
        print(f"{'whole command':<26} {'median s':>12} {'p99 s':>8}")
        for label, model in SOURCES[:2]:
            seconds = whole_command(model, args.bars, args.runs, folder)
            median = statistics.median(seconds)
            verdict = "" if model == "none" else (
                f"   target <= {TARGET_S:g} s: {'met' if median <= TARGET_S else 'MISSED'}")
            print(f"{label:<26} {median:>12.3f} {p99(seconds):>8.3f}{verdict}")


if __name__ == "__main__":
    main()
