"""``musicai-live --render OUT.mid``: a take written faster than real time, with no MIDI system.

The same wiring as a live run (``session.build``: predictor, theory sampler, settings, primer,
the script's first version on the first note), the same ``Engine``, only on a ``ManualClock``
into a ``RecordingOutput``: time moves when the engine waits, so 64 bars take as long as the
inference. The take is written by the same ``TakeRecorder`` as ``--record`` (tempo, key and
time signatures, the seed text, a marker per change, the primer on its own track). With the
same seed and settings and no live input, a render and a live take are note for note the same.

``--count K`` renders seeds s..s+K-1 into a folder, one file each, named so that the seed and
key can be read: ``musicai-s17-D-minor.mid``. A bad item in a batch is reported and the batch
goes on; the exit status says whether all were written.
"""

from __future__ import annotations

import dataclasses
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

from musicai.live.encoding.grid import TICKS_PER_QUARTER
from musicai.live.engine.clock import ManualClock
from musicai.live.engine.loop import Engine
from musicai.live.engine.snapshot import PlayedNote
from musicai.live.errors import MidiFileError, MusicAIError
from musicai.live.inference.predictor import Predictor
from musicai.live.livecode.script_watch import ScriptWatcher, context_of, send_all
from musicai.live.midi.recording import RecordingOutput
from musicai.live.midi.take import TakeRecorder, check_path
from musicai.live.session import Options, build, primer_line, take_info
from musicai.live.session import say as default_say

DEFAULT_BARS = 32  # a render needs an end: this many bars unless --bars says otherwise
PROGRESS_AFTER = 0.5  # seconds before a progress bar appears (short renders stay quiet)


def render_paths(out: Path, count: int, seed: int, key: str) -> list[tuple[int, Path]]:
    """(seed, file) per take. One take goes to ``out`` unless it names a folder."""
    folder = out.is_dir() or str(out).endswith(("/", "\\"))
    if count > 1 and not folder:
        raise MidiFileError(out, f"--count {count} needs a folder; give --render DIR/")
    if not folder:
        return [(seed, out)]
    if not out.is_dir():
        raise MidiFileError(out, "folder does not exist; create it first")
    slug = re.sub(r"[^A-Za-z0-9#]+", "-", key).strip("-")
    return [(s, out / f"musicai-s{s}-{slug}.mid") for s in range(seed, seed + count)]


def run(options: Options, out: Path, count: int = 1,
        say: Callable[[str], None] | None = None) -> int:
    """Render ``count`` takes; 0 when all were written, 1 when one failed (the rest go on)."""
    say = say or default_say
    if options.bars is None:
        options = dataclasses.replace(options, bars=DEFAULT_BARS)
    jobs = render_paths(out, count, options.seed, options.key)
    for _, path in jobs:
        check_path(path)
    if options.primer is not None:
        say(primer_line(options.primer))
    predictor: Predictor | None = None
    failed = 0
    started = time.perf_counter()
    for seed, path in jobs:
        take_options = dataclasses.replace(options, seed=seed, record=path)
        try:
            predictor, line = render_one(take_options, predictor, say)
            say(line)
        except (MusicAIError, OSError) as err:
            failed += 1
            say(f"{path}: {err}; skipped")
    if count > 1:
        say(f"rendered {count - failed} of {count} takes in {time.perf_counter() - started:.1f} s")
    return 1 if failed else 0


def render_one(options: Options, predictor: Predictor | None,
               say: Callable[[str], None]) -> tuple[Predictor, str]:
    """One take into ``options.record``; returns the (reusable) predictor and a summary line."""
    parts = build(options, predictor)
    if parts.note:
        say(parts.note)
    parts.settings.realtime = False
    clock = ManualClock()
    engine = Engine(parts.predictor, parts.sampler, RecordingOutput(clock=clock), clock=clock,
                    settings=parts.settings)
    take = TakeRecorder(options.record, take_info(options, parts.predictor.name, parts.sampler,
                                                  parts.settings.gate))
    engine.listeners.append(take.on_note)
    engine.change_listeners.append(take.on_change)
    if options.script is not None:
        _first_script(engine, ScriptWatcher(options.script), say)
    end = parts.settings.start + options.bars * parts.settings.beats_per_bar * TICKS_PER_QUARTER
    progress = Progress(parts.settings.start, end, options.record.name)
    engine.listeners.append(progress.on_note)
    started = time.perf_counter()
    try:
        engine.run()
    finally:
        progress.close()
    take.close()  # never started: no writer thread, one atomic write of the whole take
    if take.error is not None:
        raise MidiFileError(options.record, f"cannot write it ({take.error.strerror})")
    snap = engine.snapshot
    notes = snap.notes_played - snap.rests_played
    return parts.predictor, (f"rendered {options.record} ({notes:,} notes and "
                             f"{snap.rests_played:,} rests, {options.bars} bars, "
                             f"{parts.sampler.describe()['key']}, seed {options.seed}, "
                             f"{parts.predictor.name}) in {time.perf_counter() - started:.2f} s")


def _first_script(engine: Engine, watcher: ScriptWatcher, say: Callable[[str], None]) -> None:
    """The script as it is now lands on the first note, as in a live run; a bad script is
    one line and the render goes on without it."""
    parsed = watcher.poll(context_of(engine.snapshot))
    if parsed is not None:
        send_all(engine, parsed)
        say(watcher.describe(parsed))


class Progress:
    """A rich progress bar on stderr, only on a terminal and only once a render has taken
    longer than ``PROGRESS_AFTER`` seconds. Its listener is one comparison per note."""

    def __init__(self, start: int, end: int, label: str) -> None:
        self.start, self.end, self.label = start, end, label
        self.begun = time.perf_counter()
        self.enabled = sys.stderr.isatty()
        self._bar = None
        self._task = None

    def on_note(self, note: PlayedNote) -> None:
        if not self.enabled:
            return
        if self._bar is None:
            if time.perf_counter() - self.begun < PROGRESS_AFTER:
                return
            self._open()
        self._bar.update(self._task, completed=note.onset + note.duration - self.start)

    def _open(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self._bar = Progress(TextColumn("{task.description}"), BarColumn(),
                             TextColumn("{task.percentage:>3.0f}%"), TimeRemainingColumn(),
                             console=Console(stderr=True), transient=True)
        self._task = self._bar.add_task(f"rendering {self.label}", total=self.end - self.start)
        self._bar.start()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
