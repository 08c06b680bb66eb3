"""Run corpus tasks on a process pool: a short queue, a progress bar, atomic writes, Ctrl-C.

Only a few tasks per worker are in flight at once, so a Ctrl-C has little to cancel and the
workers stay busy across set boundaries. Workers use the ``spawn`` start method (the parent
runs a progress-bar thread, and forking a threaded process can deadlock) and start with SIGINT
ignored: a Ctrl-C reaches the whole process group, and only the parent should act on it.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, nullcontext
from pathlib import Path

from musicai.training.corpus.files import write_atomic
from musicai.training.corpus.manifest import SetStats
from musicai.training.corpus.worker import Outcome, Task, init_worker, process
from musicai.training.errors import TrainingError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

IN_FLIGHT_PER_WORKER = 4


def run_batch(tasks: Sequence[Task], workers: int, stats: dict[str, SetStats],
              console: Console) -> None:
    """Convert every task, writing files and filling ``stats``; failures are printed."""
    left = Counter(task.tune.set_name for task in tasks)
    progress = Progress(TextColumn("{task.description:<8}"), BarColumn(), MofNCompleteColumn(),
                        TimeRemainingColumn(), console=console, disable=not console.is_terminal)
    bars = {name: progress.add_task(name, total=left[name]) for name in stats}
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=init_worker)
    try:
        with progress:
            for outcome in _results(pool, tasks, workers, stats):
                _record(outcome, stats[outcome.tune.set_name], console)
                progress.advance(bars[outcome.tune.set_name])
                left[outcome.tune.set_name] -= 1
                if not left[outcome.tune.set_name]:
                    stats[outcome.tune.set_name].stop()
    except BaseException:
        with _sigint_ignored():
            pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _results(pool: ProcessPoolExecutor, tasks: Sequence[Task], workers: int,
             stats: dict[str, SetStats]) -> Iterator[Outcome]:
    queue = iter(tasks)
    pending: set[Future[Outcome]] = set()
    submitted = 0
    while True:
        for task in queue:
            stats[task.tune.set_name].start()
            # The pool starts a worker on each of the first submits; one started with SIGINT
            # ignored never prints a KeyboardInterrupt traceback while it imports music21.
            with _sigint_ignored() if submitted < workers else nullcontext():
                pending.add(pool.submit(process, task))
            submitted += 1
            if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                break
        if not pending:
            return
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            try:
                yield future.result()
            except BrokenProcessPool as err:
                raise TrainingError(
                    "a corpus worker process died (out of memory?); files written so far are "
                    "kept: run the same command again to resume") from err


def _record(outcome: Outcome, stats: SetStats, console: Console) -> None:
    tune = outcome.tune
    if outcome.status == "converted" and outcome.data is not None:
        try:
            write_atomic(Path(outcome.dest), outcome.data)
        except OSError as err:
            raise TrainingError(f"{outcome.dest}: cannot write ({err.strerror or err})") from err
    stats.record(outcome.status, tune.tune_id, outcome.notes, outcome.chords, outcome.seconds,
                 outcome.reason)
    if outcome.status == "failed":
        console.print(f"musicai-data corpus: {tune.set_name}/{tune.tune_id} ({tune.source}) "
                      f"failed: {outcome.reason}", markup=False, highlight=False, soft_wrap=True)


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """A second Ctrl-C while the pool winds down must not turn into a traceback."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: nothing to guard
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
