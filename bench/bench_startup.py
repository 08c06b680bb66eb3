"""Start-up to first note: ``musicai-live`` from exec to its first note, and no TensorFlow.

    python bench/bench_startup.py [--runs 7] [--model PATH|none]      (make bench)

Each run starts ``musicai-live --headless --model M --bars 1 --seed 0 --bpm 400`` as a
subprocess (the tempo only shortens the untimed bar after the first note) and times, from just
before the exec: "ready", its "playing ..." line on stderr (imports, model and port done, the
engine thread about to start); the first printed note line on its stdout (read through a
pipe); and, when a JACK server is reachable, the first note-on at a JACK receiver in a
separate process (``--port`` names the receiver's input, so the port is connected before the
first note). Rows, interleaved run by run: ``--model none`` and the step model (the shipped
``models/default.onnx``, else a full-size random-weight export, labelled). One more run per row
under ``python -X importtime`` lists every module the process imported: the benchmark fails if
any of them is TensorFlow (or Keras, tf2onnx, onnx), and prints the slowest packages.

A benchmark, not a test: a table of median and p99 (over so few runs p99 is about the maximum)
and the verdict against the target, first note <= 1 s.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from timing_report import (
    JackReceiver,
    Spread,
    jack_reachable,
    machine_line,
    print_table,
    stream_model,
)

TARGET_S = 1.0
NOTE_LINE = re.compile(r"^\s*\d+\.\d{3}s\s")  # live/headless.py format_note
FORBIDDEN = ("tensorflow", "keras", "tf2onnx", "onnx")  # "onnx" itself, not onnxruntime
TIMEOUT_S = 60.0
BPM = "400"  # the fastest tempo: the bar after the first note (not timed) is over sooner


@dataclass
class Row:
    label: str
    model: str
    to_ready: list[float] = field(default_factory=list)
    to_line: list[float] = field(default_factory=list)
    to_midi: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def command(model: str, port: str | None, importtime: bool = False) -> list[str]:
    script = Path(sys.executable).with_name("musicai-live")
    head = [sys.executable, "-X", "importtime", str(script)] if importtime else [str(script)]
    cmd = [*head, "--headless", "--model", model, "--bars", "1", "--seed", "0", "--bpm", BPM]
    return cmd + (["--port", port] if port else [])


def one_run(cmd: list[str]) -> tuple[float | None, float | None, float, int, list[str]]:
    """(seconds to the "playing ..." line on stderr, to the first note line on stdout, t0 on
    perf_counter, exit status, stderr lines). Both pipes are read as lines arrive."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    err: list[str] = []
    ready: list[float] = []

    def read_stderr() -> None:
        for line in proc.stderr:
            if not ready and line.startswith("musicai-live: playing "):
                ready.append(time.perf_counter() - t0)
            err.append(line.rstrip("\n"))

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    first = None
    try:
        for line in proc.stdout:
            if first is None and NOTE_LINE.match(line):
                first = time.perf_counter() - t0
        rc = proc.wait(TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = proc.wait()
    reader.join(TIMEOUT_S)
    return (ready[0] if ready else None), first, t0, rc, err


def measure(row: Row, receiver: JackReceiver | None) -> None:
    """One run of ``row``'s command, added to its timings (or to its failures)."""
    ready, first, t0, rc, err = one_run(command(row.model, receiver.port if receiver else None))
    if rc != 0 or first is None:
        row.failures.append(f"exit {rc}: {' / '.join(err)[-300:]}")
        return
    row.to_line.append(first)
    if ready is not None:
        row.to_ready.append(ready)
    if receiver is not None:
        time.sleep(0.02)
        ons = [a.time for a in receiver.dump() if a.tag == "in" and a.is_note_on]
        if ons:
            row.to_midi.append(ons[0] - t0)


def imports(model: str) -> tuple[set[str], list[tuple[int, str]], int, int]:
    """(top-level packages imported, the slowest of them by cumulative import time in us,
    the cumulative us of ``musicai.live.cli``, exit status)."""
    *_, rc, lines = one_run(command(model, None, importtime=True))
    packages: dict[str, int] = {}
    cli = 0
    for line in lines:
        fields = line.removeprefix("import time:").split("|", 2)
        if not line.startswith("import time:") or len(fields) != 3:
            continue
        if not fields[1].strip().isdigit():
            continue  # the header line
        name, cumulative = fields[2].strip(), int(fields[1])
        packages.setdefault(name.split(".")[0], 0)
        if "." not in name:  # a package's own line: the cost of its first import
            packages[name] = max(packages[name], cumulative)
        if name == "musicai.live.cli":
            cli = cumulative
    third_party = {name: us for name, us in packages.items()
                   if name not in sys.stdlib_module_names and name != "musicai"
                   and not name.startswith(("_", "site"))}
    slow = sorted(((us, name) for name, us in third_party.items()), reverse=True)[:5]
    return set(packages), slow, cli, rc


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=7, help="runs per row (default 7)")
    p.add_argument("--model", default=None, metavar="PATH|none",
                   help="only this model (default: none, then the step model)")
    args = p.parse_args(argv)
    if args.runs < 1:
        p.error("--runs must be at least 1")

    started = time.perf_counter()
    print(f"start-up to first note; machine: {machine_line()}")
    if args.model:
        rows = [Row(f"--model {args.model}", args.model)]
    else:
        path, label = stream_model()
        print(f"step model: {label}")
        short = "shipped model" if "shipped" in label else "random-weight step model"
        rows = [Row("--model none (theory only)", "none"), Row(f"--model {short}", str(path))]
    jack = jack_reachable()
    print(f"{args.runs} runs per row of: musicai-live --headless --model M --bars 1 --seed 0 "
          f"--bpm {BPM}"
          + (" --port <JACK receiver>" if jack else
             "  (no JACK server reachable: printed line only, no MIDI column)"))
    receiver = JackReceiver() if jack else None
    try:
        for _ in range(args.runs):  # interleaved: the rows share the machine's noise
            for row in rows:
                measure(row, receiver)
    finally:
        if receiver is not None:
            receiver.close()

    cols = [("", 36), ("ok", 4), ("ready p50 s", 12), ("line p50 s", 11), ("p99 s", 7),
            ("max s", 7)]
    if jack:
        cols += [("MIDI p50 s", 11), ("p99 s", 7)]
    table = []
    for row in rows:
        line = Spread.of(row.to_line)
        cells = [row.label, len(row.to_line), Spread.of(row.to_ready).p50 / 1000,
                 line.p50 / 1000, line.p99 / 1000, line.max / 1000]
        if jack:
            midi = Spread.of(row.to_midi)
            cells += [midi.p50 / 1000, midi.p99 / 1000]
        table.append(cells)
    print_table(cols, table)
    status = 0
    for row in rows:
        for failure in row.failures:
            print(f"FAILED run ({row.label}): {failure}")
            status = 1

    for row in rows:
        packages, slow, cli, rc = imports(row.model)
        bad = sorted(set(FORBIDDEN) & packages)
        print(f"imports ({row.label.split(' (')[0]}): {len(packages)} top-level packages, "
              f"musicai.live.cli {cli / 1000:.0f} ms in all; "
              + (f"FORBIDDEN: {', '.join(bad)} imported" if bad else
                 "no tensorflow, keras, tf2onnx or onnx")
              + "; slowest: " + ", ".join(f"{name} {us / 1000:.0f}" for us, name in slow)
              + " ms")
        if bad or rc != 0 or not packages:
            status = 1
            if rc != 0 or not packages:
                print(f"FAILED: the -X importtime run exited {rc} with "
                      f"{len(packages)} imports read")

    worst = max((Spread.of(r.to_line).p99 / 1000 for r in rows), default=float("nan"))
    medians = ", ".join(f"{Spread.of(r.to_line).p50 / 1000:.2f} s" for r in rows)
    met = all(r.to_line for r in rows) and worst <= TARGET_S
    print(f"verdict: {'met' if met else 'MISSED'} -- first printed note p99 {worst:.2f} s "
          f"(medians {medians}), target <= {TARGET_S:g} s")
    print(f"(start-up benchmark: {time.perf_counter() - started:.0f} s)")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
