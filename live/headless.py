"""Headless mode: one printed line per note, from the main thread.

The engine never prints: its listener puts (note, time, chord) on a ``SimpleQueue`` (a
non-blocking put) and the main thread formats and writes the lines. A slow terminal or a full
pipe then delays only the main thread, never a note.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sys
from collections.abc import Callable
from typing import TextIO

from musicai.live.encoding.grid import TICKS_PER_QUARTER
from musicai.live.engine.loop import Engine
from musicai.live.engine.snapshot import PlayedNote
from musicai.live.theory.notes import midi_name


def position(tick: int, beats_per_bar: int = 4) -> str:
    """Bar and beat, both from 1: tick 0 -> "1:1", an eighth after beat 2 of bar 3 -> "3:2.5"."""
    bar, rest = divmod(tick, beats_per_bar * TICKS_PER_QUARTER)
    beat = rest / TICKS_PER_QUARTER + 1
    return f"{bar + 1}:{beat:.3g}"


def format_note(note: PlayedNote, seconds: float, chord: str, flats: bool = False,
                beats_per_bar: int = 4) -> str:
    """``  2.250s   2:1    D4    v84  Dm`` (time, bar:beat, note, velocity, chord)."""
    name = midi_name(note.pitch, flats) if note.pitch is not None else "rest"
    return (f"{seconds:8.3f}s  {position(note.onset, beats_per_bar):<7} {name:<4} "
            f"v{note.velocity:<3d} {chord}")


def _devnull() -> TextIO:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail either."""
    sink = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    with contextlib.suppress(OSError, ValueError):
        os.dup2(sink.fileno(), sys.stdout.fileno())
    return sink


class NotePrinter:
    """Queue fed on the engine thread, drained and printed on the main thread."""

    def __init__(self, engine: Engine, chord_of: Callable[[int], str],
                 out: TextIO | None = None, flats: bool = False) -> None:
        self._queue: queue.SimpleQueue[tuple[PlayedNote, float, str]] = queue.SimpleQueue()
        self._engine = engine
        self._chord_of = chord_of
        self._out = out or sys.stdout
        self._flats = flats
        self.start: float | None = None  # wall time of tick 0, read on the first note
        self.printed = 0
        engine.listeners.append(self._on_note)

    def _on_note(self, note: PlayedNote) -> None:  # engine thread: no I/O here
        if self.start is None:
            self.start = self._engine.tempo.time_of(0)
        if note.pitch is not None:  # when it sounds: handed over ``ahead`` of that
            sounds = self._engine.clock.now() + self._engine.ahead
            self._queue.put((note, sounds, self._chord_of(note.onset)))

    def drain(self, timeout: float | None = None) -> None:
        """Print what has arrived; wait up to ``timeout`` for the first line."""
        try:
            item = self._queue.get(timeout=timeout) if timeout else self._queue.get_nowait()
        except queue.Empty:
            return
        while True:
            note, when, chord = item
            line = format_note(note, when - (self.start or 0.0), chord, self._flats,
                               self._engine.settings.beats_per_bar)
            try:
                print(line, file=self._out, flush=True)
            except (BrokenPipeError, ValueError):  # the reader went away: keep playing
                self._out = _devnull()
            self.printed += 1
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
