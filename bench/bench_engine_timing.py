"""Onset timing of the live engine: at the sender, and at a JACK receiver beside a reference.

(A long script on purpose: each row's setup, run and reference sit together so one run measures
them side by side.)

    python bench/bench_engine_timing.py [--seconds 60] [--compare-seconds 15]
                                        [--jack-seconds 15] [--model PATH|none]   (make bench)

The real ``Engine`` on a ``WallClock`` (sleep, then spin) with the theory sampler and the step
predictor plays sixteenths at 180 bpm in its own thread, with the main thread printing headless
note lines (to /dev/null) exactly as ``musicai-live --headless`` does. Sixteenths are forced by a
benchmark harness, not a product setting: ``Sixteenths`` adds -1e4 to every duration logit but
the 16th's, and the sampler settings rule out rests, so there is a note-on every 83.3 ms.

1. Sender: into a ``RecordingOutput``, which notes the clock at each send; lateness = actual -
   scheduled send time. One long run as the product runs (switch interval 0.0005), then short
   conditions interleaved round by round, so their ratios share the machine's noise: the
   product setting, the default switch interval, each of those next to a busy Python thread
   (a TUI repainting as fast as it can: pure-Python formatting of the snapshot, never
   sleeping), the theory-only predictor (``--model none``), and, where the OS allows it, the
   engine thread at SCHED_FIFO, alone and next to the busy thread (what musicai-live asks for
   itself when allowed: it takes the OS scheduler's delays out of the engine thread's waits). A note
   the deadline guard chose from flat logits is not pinned, so rows with fallbacks have
   fewer, longer notes.
2. JACK: engine -> python-rtmidi JACK virtual output -> an input in a separate receiver process
   that stamps ``perf_counter`` in its rtmidi callback; beside it, alternating, a reference
   sender (a plain loop, same sleep-then-spin wait, no engine, no model) on its own virtual
   output. arrival - scheduled for both; their difference is the engine's own cost.
3. CPU and memory of the long run: process CPU time / wall (from ``resource.getrusage``), the
   engine thread's own CPU time (``time.thread_time``), CPU per note, and peak RSS.

A benchmark, not a test: it prints tables and verdicts against the targets (sender p99 <= 0.5
ms, max <= 2 ms). With no shipped ``models/default.onnx`` the step predictor is a full-size
random-weight export (``bench_inference.export_random``; latency does not depend on weights).
No JACK server: one line says so and that table is skipped. On a shared machine the tail
follows the load average printed in the header.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from bench_samples import keep
from musicai.live.engine.clock import WallClock
from musicai.live.engine.loop import Engine, EngineSettings
from musicai.live.engine.snapshot import PlayedNote
from musicai.live.headless import NotePrinter
from musicai.live.inference.onnx_predictors import load_predictor
from musicai.live.inference.predictor import Predictor, TheoryOnlyPredictor
from musicai.live.midi.recording import RecordingOutput
from musicai.live.midi.signals import switch_interval
from musicai.live.perform import SWITCH_INTERVAL
from musicai.live.sampler.engine_sampler import EngineSampler
from musicai.live.sampler.settings import SamplerSettings
from musicai.live.sampler.theory_sampler import TheorySampler
from timing_report import (
    JackReceiver,
    Spread,
    jack_reachable,
    machine_line,
    print_table,
    stream_model,
)

BPM = 180.0
SIXTEENTH = 120  # ticks
DEFAULT_SWITCH = 0.005  # CPython's default sys.getswitchinterval()
TARGET_P99_MS, TARGET_MAX_MS = 0.5, 2.0
LATE_MS = 2.0  # the engine's late_threshold
RT_PRIORITY = 10  # SCHED_FIFO priority of the harness's real-time rows (1..99)
NO_RESTS = SamplerSettings(rest_bias=-float("inf"), rest_rate=0.0, breath=0.0)


class Sixteenths:
    """Benchmark harness: the wrapped predictor with every duration but the 16th ruled out."""

    def __init__(self, inner: Predictor) -> None:
        self.inner, self.name, self.vocab = inner, inner.name, inner.vocab
        self._pin = np.full(self.vocab.n_durations, -1e4, np.float32)
        self._pin[self.vocab.duration_id(SIXTEENTH)] = 0.0

    def predict(self, harmony: int, instrument: int = 0) -> tuple[np.ndarray, np.ndarray]:
        pitch, duration = self.inner.predict(harmony, instrument)
        return pitch, duration + self._pin

    def commit(self, event) -> None:
        self.inner.commit(event)

    def reset(self) -> None:
        self.inner.reset()


@dataclass
class Run:
    """One engine (or reference) run: what was scheduled, when it went out, what it cost."""

    label: str
    scheduled: list[float] = field(default_factory=list)  # note-on times, seconds
    sent: list[float] = field(default_factory=list)  # when each note-on was sent
    wall: float = 0.0
    process_cpu: float = 0.0
    thread_cpu: float = 0.0
    fallbacks: int = 0
    inference_p99_ms: float = 0.0
    rss_growth_mb: float = 0.0

    def late(self) -> list[float]:
        return [s - t for t, s in zip(self.scheduled, self.sent, strict=True)]

    def merge(self, other: Run) -> None:
        self.scheduled += other.scheduled
        self.sent += other.sent
        for name in ("wall", "process_cpu", "thread_cpu", "fallbacks"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.inference_p99_ms = max(self.inference_p99_ms, other.inference_p99_ms)


def repaint(engine: Engine, stop: threading.Event) -> None:
    """A TUI that repaints as fast as it can: format the snapshot into a screen, never sleep."""
    while not stop.is_set():
        snap = engine.snapshot
        rows = [f"{n.onset:>8} {n.pitch or 0:>4} {n.velocity:>4} {n.source:<9}{n.late:8.5f}"
                for n in snap.recent[-40:]]
        rows.append(f"{snap.bpm:6.1f} bpm  {snap.jitter_p99_ms:6.2f} ms  {snap.sampler}")
        "\n".join(row.ljust(100) for row in rows)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rss_mb() -> float:
    """Resident set size now (Linux /proc; NaN elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return float("nan")


def bars_for(seconds: float) -> int:
    return max(1, int(seconds * BPM / 240.0 + 0.5))


def in_thread(work, *, switch: float, realtime: bool = False, busy_for: Engine | None = None,
              printer: NotePrinter | None = None) -> tuple[float, float, float]:
    """Run ``work`` in a thread the way ``perform`` runs the engine; (wall, process CPU,
    thread CPU) seconds. ``realtime``: the thread asks for SCHED_FIFO first, as the engine
    does itself (PermissionError when not allowed). ``busy_for``: a repainting thread reads
    that engine."""
    thread_cpu, refused = [0.0], []

    def target() -> None:
        if realtime:
            try:
                os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(RT_PRIORITY))
            except (AttributeError, OSError) as err:
                refused.append(err)
                return
        start = time.thread_time()
        try:
            work()
        finally:
            thread_cpu[0] = time.thread_time() - start

    thread = threading.Thread(target=target, name="engine", daemon=True)
    stop = threading.Event()
    load = None if busy_for is None else threading.Thread(target=repaint,
                                                          args=(busy_for, stop), daemon=True)
    with switch_interval(switch):
        if load is not None:
            load.start()
        cpu0, wall0 = _cpu(), time.perf_counter()
        thread.start()
        while thread.is_alive():
            if printer is not None:
                printer.drain(timeout=0.05)
            else:
                thread.join(0.05)
        wall, cpu = time.perf_counter() - wall0, _cpu() - cpu0
        stop.set()
        if load is not None:
            load.join()
    if printer is not None:
        printer.drain()
    if refused:
        raise PermissionError(f"SCHED_FIFO refused: {refused[0]}")
    return wall, cpu, thread_cpu[0]


def realtime_allowed() -> bool:
    """Whether a thread here may take SCHED_FIFO (root or CAP_SYS_NICE, an RT budget)."""
    try:
        in_thread(lambda: None, switch=SWITCH_INTERVAL, realtime=True)
    except PermissionError:
        return False
    return True


@dataclass(frozen=True)
class How:
    """One condition: switch interval, a busy repaint thread, a SCHED_FIFO engine thread."""

    switch: float = SWITCH_INTERVAL
    busy: bool = False
    realtime: bool = False


def play(label: str, predictor: Predictor, output, seconds: float, how: How,
         seed: int = 0) -> Run:
    """The engine for ``seconds`` (whole bars) into ``output``, as ``musicai-live`` runs it."""
    predictor.reset()
    sampler = EngineSampler(TheorySampler(NO_RESTS, seed=seed))
    engine = Engine(predictor, sampler, output, clock=WallClock(),
                    settings=EngineSettings(bpm=BPM, bars=bars_for(seconds),
                                            realtime=how.realtime))
    notes: list[PlayedNote] = []
    engine.listeners.append(notes.append)
    with open(os.devnull, "w") as sink:
        printer = NotePrinter(engine, sampler.chord_name_for, out=sink)
        rss0 = _rss_mb()
        wall, cpu, thread_cpu = in_thread(engine.run, switch=how.switch, realtime=how.realtime,
                                          busy_for=engine if how.busy else None,
                                          printer=printer)
    if engine.error is not None:
        raise engine.error
    run = Run(label, wall=wall, process_cpu=cpu, thread_cpu=thread_cpu,
              fallbacks=engine.fallbacks, inference_p99_ms=engine.snapshot.inference_p99_ms,
              rss_growth_mb=_rss_mb() - rss0)
    if isinstance(output, RecordingOutput):  # the clock read inside the send
        for sent, actual in zip(output.sent, output.actual, strict=True):
            m = sent.message
            if sent.time is not None and m[0] & 0xF0 == 0x90 and m[2] > 0:
                run.scheduled.append(sent.time)
                run.sent.append(actual)
    else:  # the engine's own measure, just after the send returned
        for note in notes:
            if note.pitch is not None:
                run.scheduled.append(engine.tempo.time_of(note.onset))
                run.sent.append(run.scheduled[-1] + note.late)
    return run


def recorded(label: str, predictor: Predictor, seconds: float, how: How, seed: int = 0) -> Run:
    return play(label, predictor, RecordingOutput(clock=WallClock()), seconds, how, seed)


def row(run: Run) -> list[object]:
    late = Spread.of(run.late())
    n_late = sum(1 for x in run.late() if x * 1000 > LATE_MS)
    return [run.label, late.n, late.p50, late.p99, late.max, n_late, run.fallbacks,
            run.inference_p99_ms]


LABEL = 48
# "infer p99": the engine's own inference p99 (its snapshot), the worst of a row's rounds
SENDER_COLUMNS = [("", LABEL), ("notes", 6), ("p50 ms", 8), ("p99 ms", 8), ("max ms", 8),
                  (f">{LATE_MS:g} ms", 8), ("fallbk", 7), ("infer p99", 10)]


def verdict(spread: Spread, what: str) -> str:
    ok = spread.meets(TARGET_P99_MS, TARGET_MAX_MS)
    return (f"verdict ({what}): {'met' if ok else 'MISSED'} -- p99 {spread.p99:.2f} ms "
            f"(target <= {TARGET_P99_MS}), max {spread.max:.2f} ms (target <= {TARGET_MAX_MS}); "
            f"load average now {os.getloadavg()[0]:.1f}")


# 1 + 3: the long run and the interleaved conditions ---------------------------------------
def long_run(step: Predictor, model_label: str, seconds: float) -> None:
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    main = recorded(f"{model_label}, switch 0.5 ms, SCHED_FIFO when allowed", step, seconds,
                    How(realtime=realtime_allowed()))
    keep("onset lateness: engine at the sender", main.late())  # opt-in: $MUSICAI_BENCH_SAMPLES
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n1. Onset lateness at the sender: {seconds:g} s of sixteenths at {BPM:g} bpm "
          f"into a RecordingOutput (clock read in the send - scheduled time)")
    print_table(SENDER_COLUMNS, [row(main)])
    print(verdict(Spread.of(main.late()), "as musicai-live runs"))

    print("\n3. CPU and memory over that run")
    notes = max(len(main.scheduled), 1)
    print_table([("", 32), ("wall s", 8), ("CPU s", 8), ("% of a core", 12), ("ms / note", 10)],
                [["process (engine + main thread)", main.wall, main.process_cpu,
                  100 * main.process_cpu / main.wall, 1000 * main.process_cpu / notes],
                 ["engine thread alone", main.wall, main.thread_cpu,
                  100 * main.thread_cpu / main.wall, 1000 * main.thread_cpu / notes]])
    print(f"peak RSS {rss_peak:.0f} MB (ru_maxrss; {rss_before:.0f} MB before the run, model "
          f"loaded); RSS change during the run {main.rss_growth_mb:+.1f} MB. The CPU includes "
          f"the WallClock spin: up to 3 x {WallClock().spin * 1000:g} ms per note")


def interleaved(step: Predictor, theory: Predictor, model_label: str, args,
                realtime: bool) -> None:
    conditions = [
        (f"{model_label}, switch 0.5 ms", step, How()),
        (f"{model_label}, switch 5 ms (default)", step, How(switch=DEFAULT_SWITCH)),
        ("  + busy repaint thread, switch 0.5 ms", step, How(busy=True)),
        ("  + busy repaint thread, switch 5 ms", step, How(switch=DEFAULT_SWITCH, busy=True)),
        ("theory only (--model none), switch 0.5 ms", theory, How()),
    ]
    if realtime:  # the OS scheduler's share taken out: what is left is the GIL's
        conditions += [
            (f"{model_label}, switch 0.5 ms, SCHED_FIFO *", step, How(realtime=True)),
            ("  + busy repaint thread, switch 0.5 ms, FIFO *", step,
             How(busy=True, realtime=True)),
        ]
    runs = [Run(label) for label, *_ in conditions]
    segment = args.compare_seconds / args.rounds
    for r in range(args.rounds):
        for run, (label, predictor, how) in zip(runs, conditions, strict=True):
            run.merge(recorded(label, predictor, segment, how, seed=r))
    print(f"\n1b. The same, conditions interleaved: {args.rounds} rounds of {bars_for(segment)} "
          f"bars each ({len(runs[0].scheduled)} notes per condition)")
    print_table(SENDER_COLUMNS, [row(run) for run in runs])
    p99 = [Spread.of(run.late()).p99 for run in runs]
    print(f"busy thread, p99 at switch 0.5 vs 5 ms: {p99[2]:.2f} vs {p99[3]:.2f} ms "
          f"({p99[3] / max(p99[2], 1e-9):.1f}x); idle: {p99[0]:.2f} vs {p99[1]:.2f} ms" + (
              f"; SCHED_FIFO idle vs busy: {p99[5]:.2f} vs {p99[6]:.2f} ms (a busy thread "
              "descheduled while it holds the GIL stalls even a real-time engine)"
              if realtime else ""))
    if realtime:
        print("* SCHED_FIFO: what musicai-live's engine thread asks for itself when the OS "
              "allows (root or CAP_SYS_NICE; live/engine/realtime.py); rows without it are "
              "ordinary threads")
    else:
        print("(SCHED_FIFO not permitted here: the real-time rows are left out)")
    print(verdict(Spread.of(runs[2].late()), "next to a busy thread, switch 0.5 ms"))
    if realtime:
        print(verdict(Spread.of(runs[5].late()), "engine thread at SCHED_FIFO"))


# 2: JACK ---------------------------------------------------------------------------------
def reference(label: str, midi, seconds: float, how: How) -> Run:
    """A plain loop: sixteenths at BPM with the same wait, gate and preroll as the engine."""
    settings = EngineSettings(bpm=BPM)
    step = 60.0 / BPM / 4
    count = bars_for(seconds) * 16
    run = Run(label)
    clock, perf = WallClock(), time.perf_counter

    def loop() -> None:
        start = perf() + settings.preroll
        for i in range(count):
            on = start + i * step
            pitch = 60 + i % 24
            clock.wait_until(on)
            midi.send_message([0x90, pitch, 80])
            run.sent.append(perf())
            run.scheduled.append(on)
            clock.wait_until(on + step * settings.gate)
            midi.send_message([0x80, pitch, 0])

    run.wall, run.process_cpu, run.thread_cpu = in_thread(loop, switch=how.switch,
                                                          realtime=how.realtime)
    return run


def arrivals_for(run: Run, arrivals: list, tag: str) -> tuple[list[float], int]:
    """(arrival - scheduled per note-on, note-ons missing) for one sender's tag."""
    times = [a.time for a in arrivals if a.tag == tag and a.is_note_on]
    n = min(len(times), len(run.scheduled))
    return [times[i] - run.scheduled[i] for i in range(n)], len(run.scheduled) - n


def collect(receiver: JackReceiver, tag: str, run: Run, patience: float = 2.0) -> list:
    """Arrivals until every note-on of ``run`` is in (or ``patience`` s): under load JACK can
    deliver the last ones late, and they must not be matched to the next run's notes."""
    arrivals, deadline = [], time.perf_counter() + patience
    while True:
        arrivals += receiver.dump()
        got = sum(1 for a in arrivals if a.tag == tag and a.is_note_on)
        if got >= len(run.scheduled) or time.perf_counter() > deadline:
            return arrivals
        time.sleep(0.02)


def jack_server_line() -> str:
    def ask(tool: str) -> str:
        try:
            out = subprocess.run([tool], capture_output=True, text=True, timeout=5).stdout
            return out.strip().split()[-1]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "?"
    frames, rate = ask("jack_bufsize"), ask("jack_samplerate")
    period = (f", a {1000 * int(frames) / int(rate):.2f} ms period"
              if frames.isdigit() and rate.isdigit() else "")
    server = os.environ.get("JACK_DEFAULT_SERVER", "default")
    return f"JACK server '{server}': {frames} frames at {rate} Hz{period}"


def jack_table(step: Predictor, model_label: str, args, realtime: bool) -> None:
    print(f"\n2. Onset lateness at a JACK receiver (separate process, perf_counter in its "
          f"rtmidi callback), senders interleaved in {args.rounds} rounds")
    if not jack_reachable():
        print("no JACK server reachable (run under tools/with-jack.sh, or `make bench`); "
              "JACK table skipped")
        return
    from musicai.live.midi.backends import open_output
    from musicai.live.midi.discovery import client

    print(jack_server_line())
    pid = os.getpid()
    output = open_output("jack", f"bench-engine-{pid}")  # a virtual output, as musicai-live
    ref = client("jack", "out", f"bench-ref-{pid}")
    ref.open_virtual_port("out")
    ref_port = f"bench-ref-{pid}:out"
    senders = [(f"engine, {model_label}", How()), ("reference loop (no engine)", How())]
    if realtime:
        senders += [(f"engine, {model_label}, SCHED_FIFO *", How(realtime=True)),
                    ("reference loop, SCHED_FIFO *", How(realtime=True))]
    runs = [Run(label) for label, _ in senders]
    gaps: list[list[float]] = [[] for _ in senders]
    lost = [0] * len(senders)
    segment = args.jack_seconds / args.rounds
    try:
        with JackReceiver() as receiver:
            receiver.listen(output.name)
            receiver.listen(ref_port)
            for r in range(args.rounds):
                for i, (label, how) in enumerate(senders):
                    if label.startswith("engine"):
                        run, tag = play(label, step, output, segment, how, seed=r), output.name
                    else:
                        run, tag = reference(label, ref, segment, how), ref_port
                    gap, missing = arrivals_for(run, collect(receiver, tag, run), tag)
                    runs[i].merge(run)
                    gaps[i] += gap
                    lost[i] += missing
    finally:
        output.close()
        ref.close_port()
        ref.delete()
    rows = []
    for run, gap, missing in zip(runs, gaps, lost, strict=True):
        at_rx, at_tx = Spread.of(gap), Spread.of(run.late())
        rows.append([run.label, at_rx.n, at_rx.p50, at_rx.p99, at_rx.max, at_tx.p99, missing])
    print_table([("", LABEL), ("notes", 6), ("p50 ms", 8), ("p99 ms", 8), ("max ms", 8),
                 ("send p99", 9), ("lost", 5)], rows)
    e, r = Spread.of(gaps[0]), Spread.of(gaps[1])
    print(f"engine minus reference at the receiver: p50 {e.p50 - r.p50:+.2f} ms, p99 "
          f"{e.p99 - r.p99:+.2f} ms, max {e.max - r.max:+.2f} ms (the engine's own share; the "
          f"reference is JACK's period plus the machine)")
    if realtime:
        print("* harness only: the sending thread at SCHED_FIFO; jackd and the receiver stay "
              "as they run (no realtime)")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=60.0, help="the long run (default 60)")
    p.add_argument("--compare-seconds", type=float, default=8.0,
                   help="per interleaved condition (default 8)")
    p.add_argument("--jack-seconds", type=float, default=8.0,
                   help="per JACK sender (default 8)")
    p.add_argument("--rounds", type=int, default=3, help="interleaving rounds (default 3)")
    p.add_argument("--model", default=None, metavar="PATH|none",
                   help="step model (default: models/default.onnx, else a random-weight export)")
    args = p.parse_args(argv)
    if min(args.seconds, args.compare_seconds, args.jack_seconds) <= 0 or args.rounds < 1:
        p.error("seconds must be above 0 and rounds at least 1")

    started = time.perf_counter()
    print(f"engine onset timing; machine: {machine_line()}")
    if args.model == "none":
        path, model_label = None, "theory only"
    elif args.model:
        path, model_label = Path(args.model), Path(args.model).name
    else:
        path, label = stream_model()
        model_label = "shipped model" if "shipped" in label else "random-weight step model"
        print(f"step predictor: {label}")
    step = Sixteenths(load_predictor(path))
    theory = Sixteenths(TheoryOnlyPredictor())
    realtime = realtime_allowed()
    print(f"harness: duration logits pinned to sixteenths, no rests; lookahead "
          f"{EngineSettings().lookahead * 1000:g} ms, WallClock spin {WallClock().spin * 1000:g}"
          f" ms; main thread prints headless note lines to /dev/null")
    long_run(step, model_label, args.seconds)
    interleaved(step, theory, model_label, args, realtime)
    jack_table(step, model_label, args, realtime)
    print(f"\n(engine timing benchmark: {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
