"""Running a built engine: its own thread, signals, headless lines, the take, a clean end.

The main thread only waits on the printer's queue (with a timeout), prints, and looks after the
port; the engine thread plays. However the run ends (bars done, Ctrl-C, SIGTERM, an engine
error, a lost port) the engine's ``finally`` has sent note-offs and panicked, and here the port
is closed (panic again: harmless) and the take written a last time. If the engine does not stop
within ``STOP_GRACE`` seconds of a signal (or a second signal comes) the main thread silences the
port itself.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from musicai.live.engine.loop import Engine
from musicai.live.errors import ServerStoppedError
from musicai.live.headless import NotePrinter
from musicai.live.midi.signals import StopSignals, stop_on_signals, switch_interval
from musicai.live.midi.take import TakeRecorder
from musicai.live.midi.watch import PortWatch

STOP_GRACE = 2.0  # seconds between a stop signal and silencing from the main thread
WATCH_EVERY = 1.0  # seconds between looks at the output port
SWITCH_INTERVAL = 0.0005  # DESIGN: the engine's p99 lateness next to a busy thread 4.5 -> 0.26 ms


@dataclass
class Outcome:
    status: int = 0  # exit status: 0 played to the end or stopped on request, 1 it failed
    signal: str = ""
    problem: str = ""


def _play(engine: Engine) -> None:
    try:
        engine.run()
    except BaseException:  # kept in engine.error; the main thread reports it
        return


def perform(engine: Engine, printer: NotePrinter | None, take: TakeRecorder | None,
            chores: Sequence[Callable[[], None]] = ()) -> Outcome:
    """Play until the engine stops; every path ends with the port silenced and closed.

    ``chores`` run on each turn of the wait loop, on this thread (a live-coding script, the
    jam's input watch). The signal handlers cover the clean-up too, so a Ctrl-C while the port
    closes cannot interrupt it halfway."""
    thread = threading.Thread(target=_play, args=(engine,), name="engine", daemon=True)
    forced = threading.Event()
    outcome = Outcome()
    watch: PortWatch | None = None
    with stop_on_signals(engine.stop, forced.set) as signals, switch_interval(SWITCH_INTERVAL):
        try:
            watch = PortWatch(engine.output)
            if take is not None:
                take.start()
            thread.start()
            _wait(Minder(thread, engine, watch, signals, forced), printer, chores)
        finally:
            engine.output.close()  # note-offs for anything still sounding, CC 123 and CC 120
            if watch is not None:
                watch.close()
            if take is not None:
                take.close()
        outcome.signal = signals.name
    if printer is not None:
        printer.drain()
    _judge(engine, take, thread, outcome)
    return outcome


class Minder:
    """The main thread's duties while the engine plays: the port watch, stop signals and the
    grace period after a stop, one look at a time."""

    def __init__(self, thread: threading.Thread, engine: Engine, watch: PortWatch,
                 signals: StopSignals, forced: threading.Event) -> None:
        self.thread, self.engine, self.watch = thread, engine, watch
        self.signals, self.forced = signals, forced
        self.next_look = time.monotonic() + WATCH_EVERY
        self.stop_asked: float | None = None

    def step(self) -> bool:
        """One look; False once the engine has ended, or had to be silenced from here."""
        if not self.thread.is_alive():
            return False
        now = time.monotonic()
        if self.signals.received and self.stop_asked is None:
            self.stop_asked = now
        if self.forced.is_set() or (self.stop_asked is not None
                                    and now - self.stop_asked > STOP_GRACE):
            self.engine.output.panic()  # the lock orders this after any send in flight
            return False
        if now >= self.next_look:
            self.watch.check()
            self.next_look = now + WATCH_EVERY
        return True


def _wait(minder: Minder, printer: NotePrinter | None,
          chores: Sequence[Callable[[], None]]) -> None:
    while minder.step():
        if printer is not None:
            printer.drain(timeout=0.05)
        else:
            minder.thread.join(0.05)
        for chore in chores:
            chore()


def _judge(engine: Engine, take: TakeRecorder | None, thread: threading.Thread,
           outcome: Outcome) -> None:
    if thread.is_alive():
        outcome.status, outcome.problem = 1, "the engine did not stop in time; notes silenced"
    elif isinstance(engine.output.lost, ServerStoppedError):
        outcome.status, outcome.problem = 1, str(engine.output.lost)
    elif engine.output.lost is not None:
        outcome.status = 1
        outcome.problem = f"output port {engine.output.name!r} lost ({engine.output.lost})"
    elif engine.error is not None:
        err = engine.error
        outcome.status, outcome.problem = 1, f"engine stopped: {type(err).__name__}: {err}"
    if take is not None and take.error is not None:
        outcome.status = 1
        outcome.problem = outcome.problem or f"take {take.path}: {take.error}"


def report(engine: Engine, outcome: Outcome, say: Callable[[str], None]) -> None:
    snap = engine.snapshot
    notes, rests = snap.notes_played - snap.rests_played, snap.rests_played
    say(f"played {notes:,} notes and {rests:,} rests; note-on timing p50 "
        f"{snap.jitter_p50_ms:.2f} ms, p99 {snap.jitter_p99_ms:.2f} ms, "
        f"max {snap.jitter_max_ms:.2f} ms, {snap.late_notes} late, {snap.fallbacks} fallbacks")
    if snap.port_latency_ms:  # JACK-Client: how far ahead the engine worked, and misses
        late = getattr(engine.output, "late", 0)
        say(f"JACK: every message at its frame, handed over {snap.port_latency_ms:.1f} ms "
            f"ahead; {late} past their frame, {snap.xruns} xruns")
    if outcome.problem:
        say(outcome.problem)
    elif outcome.signal:
        say(f"stopped on {outcome.signal}; all notes off")
    sys.stdout.flush()
