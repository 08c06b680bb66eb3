"""Shared pieces of the live-timing benchmarks: machine line, percentiles, tables, the stream
model to play, and a JACK MIDI receiver in its own process.

    python bench/timing_report.py --receive      (the receiver; the benchmarks start it)

Not a benchmark itself: ``make bench`` runs it like the others and it prints the machine line.

The receiver is a separate process so that its rtmidi callback (which needs its own GIL) never
competes with the engine it listens to. It timestamps every arrival with ``time.perf_counter``
in the callback; on Linux that is CLOCK_MONOTONIC, the same clock the sender schedules on, so
``arrival - scheduled`` across the two processes is meaningful. It talks over stdin/stdout:
``listen NAME`` connects an input to the output port NAME (tag = NAME), ``dump`` writes what
arrived since the last dump as ``time tag b0 b1 b2`` lines and then ``end``; end of input quits.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_STREAM = ROOT / "models" / "default.onnx"
#: Sources whose change makes a cached random-weight export stale.
EXPORT_SOURCES = ("bench/bench_inference.py", "export", "training/config.py",
                  "training/models.py", "live/encoding", "live/inference/model_file.py")


# the machine and the numbers -------------------------------------------------------------------
def machine_line() -> str:
    """``2 cores, AMD EPYC, load average 6.9 6.8 5.4 (1/5/15 min) at start``."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f
                          if line.startswith("model name")), model)
    except OSError:
        pass
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, {model}, load average {load} (1/5/15 min) at start"


@dataclass(frozen=True)
class Spread:
    """Percentiles of a set of timings, in milliseconds."""

    n: int
    p50: float
    p99: float
    max: float

    @classmethod
    def of(cls, seconds: Iterable[float]) -> Spread:
        ms = np.asarray(list(seconds), dtype=np.float64) * 1000.0
        if ms.size == 0:
            return cls(0, float("nan"), float("nan"), float("nan"))
        p50, p99 = np.percentile(ms, (50, 99))
        return cls(int(ms.size), float(p50), float(p99), float(ms.max()))

    def meets(self, p99_ms: float, max_ms: float) -> bool:
        return self.n > 0 and self.p99 <= p99_ms and self.max <= max_ms


def print_table(columns: Sequence[tuple[str, int]], rows: Iterable[Sequence[object]]) -> None:
    """Left-aligned first column (widened to its longest label), right-aligned numbers;
    floats with 2 decimals."""
    rows = [list(r) for r in rows]
    first = max([columns[0][1] - 1, *(len(str(r[0])) for r in rows)]) + 1
    columns = [(columns[0][0], first), *columns[1:]]

    def cell(value: object, width: int, first: bool) -> str:
        text = f"{value:.2f}" if isinstance(value, float) else str(value)
        return f"{text:<{width}}" if first else f"{text:>{width}}"
    print("".join(cell(name, w, i == 0) for i, (name, w) in enumerate(columns)))
    for row in rows:
        print("".join(cell(v, w, i == 0) for i, (v, (_, w)) in enumerate(zip(row, columns,
                                                                               strict=True))))


# the model -----------------------------------------------------------------------------------
def stream_model() -> tuple[Path, str]:
    """The shipped stream model, or a full-size random-weight export (cached, see below).

    The export is ``bench_inference.export_random`` run in a subprocess, so TensorFlow never
    enters the benchmark's own process (its threads and memory would distort the numbers). It
    is cached in the temp folder under a hash of the export and training sources."""
    if SHIPPED_STREAM.is_file():
        return SHIPPED_STREAM, f"shipped model {SHIPPED_STREAM.relative_to(ROOT)}"
    label = "random-weight full-size stream model (no models/default.onnx yet)"
    cached = Path(tempfile.gettempdir()) / "musicai-bench" / f"stream-{_sources_hash()}.onnx"
    if cached.is_file():
        return cached, label
    cached.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="musicai-export-", dir=cached.parent))
    code = ("import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); "
            "from bench_inference import export_random; "
            "print(export_random('stream', Path(sys.argv[2])))")
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-c", code, str(ROOT / "bench"), str(work)],
                              capture_output=True, text=True, cwd=ROOT,
                              env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
        if done.returncode != 0:
            raise SystemExit(f"exporting a random-weight stream model failed:\n"
                             f"{done.stderr[-2000:]}")
        os.replace(done.stdout.strip().splitlines()[-1], cached)
        for stale in cached.parent.glob("stream-*.onnx"):  # made from older sources
            if stale != cached:
                stale.unlink(missing_ok=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return cached, f"{label}; exported in {time.perf_counter() - started:.0f} s, cached as {cached}"


def _sources_hash() -> str:
    digest = hashlib.sha256()
    for name in EXPORT_SOURCES:
        path = ROOT / name
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(str(file.relative_to(ROOT)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


# JACK ----------------------------------------------------------------------------------------
def jack_reachable() -> bool:
    from musicai.live.midi.discovery import available

    try:
        return available("jack")
    except Exception:  # a python-rtmidi without JACK is "not reachable" here
        return False


@dataclass(frozen=True)
class Arrival:
    time: float  # perf_counter in the receiver's callback
    tag: str  # "in" (its own virtual input) or the output port it listened to
    message: tuple[int, ...]

    @property
    def is_note_on(self) -> bool:
        m = self.message
        return len(m) == 3 and m[0] & 0xF0 == 0x90 and m[2] > 0


class JackReceiver:
    """The receiver process: a virtual input ``bench-rx-PID:in`` plus inputs added by
    ``listen``. Use as a context manager; ``port`` is the virtual input's full name."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, __file__, "--receive"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, bufsize=1, cwd=ROOT)
        self.port = self._reply().removeprefix("ready ")

    def _reply(self) -> str:
        line = self._proc.stdout.readline().strip()
        if line.startswith("error") or not line:
            raise OSError(f"JACK receiver: {line or 'exited'}")
        return line

    def _ask(self, command: str) -> str:
        self._proc.stdin.write(command + "\n")
        self._proc.stdin.flush()
        return self._reply()

    def listen(self, port: str) -> None:
        """Connect an input to the output port named ``port``; arrivals are tagged with it."""
        self._ask(f"listen {port}")

    def dump(self) -> list[Arrival]:
        """Everything that arrived since the last dump, in order."""
        out, line = [], self._ask("dump")
        while line != "end":
            t, tag, *data = line.split(" ")
            out.append(Arrival(float(t), tag, tuple(int(b) for b in data)))
            line = self._reply()
        return out

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.stdin.close()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def __enter__(self) -> JackReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _receive() -> int:
    """The receiver process's main loop (see the module docstring)."""
    import collections

    from musicai.live.midi.discovery import client, match_port

    got: collections.deque = collections.deque()
    perf = time.perf_counter
    inputs = []

    def callback_for(tag: str):
        def callback(event, data=None) -> None:
            got.append((perf(), tag, event[0]))
        return callback

    name = f"bench-rx-{os.getpid()}"
    try:
        own = client("jack", "in", name)
        own.set_callback(callback_for("in"))
        own.open_virtual_port("in")
        inputs.append(own)
    except Exception as err:
        print(f"error {err}", flush=True)
        os._exit(1)
    print(f"ready {name}:in", flush=True)
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        if command == "listen":
            try:
                midi = client("jack", "in", name)
                index = match_port(list(midi.get_ports()), arg, "jack")
                if index is None:
                    raise OSError(f"no output port {arg!r}")
                midi.set_callback(callback_for(arg))
                midi.open_port(index, f"from-{len(inputs)}")
                inputs.append(midi)
                print("ok", flush=True)
            except Exception as err:
                print(f"error {err}".replace("\n", " "), flush=True)
        elif command == "dump":
            lines = []
            while got:
                t, tag, message = got.popleft()
                lines.append(f"{t:.9f} {tag} {' '.join(map(str, message))}")
            lines.append("end")
            print("\n".join(lines), flush=True)
    # Closing JACK clients whose callbacks need the GIL can stall for seconds (see
    # live/midi/backends.py); the server drops a client whose process exits.
    sys.stdout.flush()
    os._exit(0)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--receive"]:
        return _receive()
    print("timing_report: shared helpers for bench_engine_timing.py and bench_startup.py")
    print(f"machine: {machine_line()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
