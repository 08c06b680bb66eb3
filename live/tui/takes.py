"""Takes started and stopped from the keyboard (``r``) while the engine plays.

The switch is the engine's only take listener, attached once before the engine starts; on the
engine thread it reads one attribute and appends to the current take (or does nothing), so
starting and stopping takes never touches the engine's listener lists. A take started mid-run
begins at the bar line before the next note (``TakeInfo.origin``) and goes to a timestamped
file that never overwrites another; ``--record FILE`` is adopted as the first take.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from musicai.live.encoding.grid import TICKS_PER_QUARTER
from musicai.live.engine.loop import Engine
from musicai.live.errors import MusicAIError
from musicai.live.midi.take import TakeInfo, TakeRecorder


def timestamped(folder: Path, when: float | None = None) -> Path:
    """``folder/take-20261105-221930.mid`` (``-2``, ``-3`` ... if that name is taken)."""
    stem = time.strftime("take-%Y%m%d-%H%M%S", time.localtime(when))
    path, n = folder / f"{stem}.mid", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}.mid"
    return path


class TakeSwitch:
    def __init__(self, engine: Engine, base: TakeInfo, folder: Path,
                 current: TakeRecorder | None = None) -> None:
        self.engine, self.base, self.folder = engine, base, folder
        self.current = current  # engine thread: read only
        self.adopted = current  # the --record take: the session reports it
        self.written: list[str] = []  # a line for each other take, for the end of the run
        engine.listeners.append(self.on_note)
        engine.change_listeners.append(self.on_change)

    # engine thread -------------------------------------------------------------------------
    def on_note(self, note: object) -> None:
        take = self.current
        if take is not None:
            take.on_note(note)

    def on_change(self, tick: int, setting: str, value: object) -> None:
        take = self.current
        if take is not None:
            take.on_change(tick, setting, value)

    # UI thread -----------------------------------------------------------------------------
    @property
    def recording(self) -> str:
        """The current take's file name, "" when not recording."""
        return self.current.path.name if self.current is not None else ""

    def toggle(self) -> str:
        """Start or stop a take; one status line saying which (or why not)."""
        if self.current is not None:
            return self.stop()
        try:
            take = self.start()
        except (MusicAIError, OSError) as err:
            return f"cannot record: {err}"
        return f"recording {take.path}"

    def start(self) -> TakeRecorder:
        snap = self.engine.snapshot
        bar = self.engine.settings.beats_per_bar * TICKS_PER_QUARTER
        info = dataclasses.replace(
            self.base, bpm=snap.bpm, key=str(snap.sampler.get("key", self.base.key)),
            channel=snap.channel, origin=snap.tick // bar * bar if snap.notes_played else 0)
        take = TakeRecorder(timestamped(self.folder), info)
        take.start()
        self.current = take
        return take

    def stop(self) -> str:
        take, self.current = self.current, None
        if take is None:
            return "not recording"
        take.close()
        if take.error is not None:
            line = f"take {take.path}: {take.error}"
        else:
            line = f"take written to {take.path} ({take.notes_written} notes)"
        if take is not self.adopted:
            self.written.append(line)
        return line
