"""The command desk: commands from any thread, handed to the engine thread when they are due.

``put`` never blocks (a UI, a script watcher or a controller thread calls it). On the engine
thread, ``arrived`` drains what came in: actions and the changes that act at once (tempo and
mute) are handed back to apply now; every other change waits, stamped with the tick it arrived
at, until ``due`` finds its boundary reached: the next note, beat, bar line or phrase start.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator

from musicai.live.encoding.grid import TICKS_PER_QUARTER
from musicai.live.engine.commands import Action, Change, Command

AT_ONCE = ("bpm", "mute")  # note-boundary changes of these act at once, not at the next note


class CommandDesk:
    def __init__(self, beats_per_bar: Callable[[], int],
                 phrase_start: Callable[[], bool]) -> None:
        self._queue: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self._pending: list[tuple[Change, int]] = []  # (change, tick it arrived)
        self._beats_per_bar = beats_per_bar
        self._phrase_start = phrase_start

    def put(self, command: Command) -> None:
        """Any thread; never blocks."""
        self._queue.put(command)

    def empty(self) -> bool:
        """Nothing has arrived since the last look (tests and UIs)."""
        return self._queue.empty()

    def arrived(self, now_tick: int) -> Iterator[Command]:
        """What came in since the last look that must happen now; the rest waits."""
        while True:
            try:
                command = self._queue.get_nowait()
            except queue.Empty:
                return
            if isinstance(command, Action) or (command.setting in AT_ONCE
                                               and command.when == "note"):
                yield command
            else:
                self._pending.append((command, now_tick))

    def due(self, onset: int) -> list[Change]:
        """The waiting changes whose boundary the note at ``onset`` reaches, in arrival order."""
        ready: list[Change] = []
        keep: list[tuple[Change, int]] = []
        for change, arrived in self._pending:
            if self._is_due(change.when, arrived, onset):
                ready.append(change)
            else:
                keep.append((change, arrived))
        self._pending = keep
        return ready

    def _is_due(self, when: str, arrived: int, onset: int) -> bool:
        if when == "note":
            return True
        beat = TICKS_PER_QUARTER
        bar = beat * self._beats_per_bar()
        if when == "beat":
            return onset >= -(-max(arrived, 1) // beat) * beat
        if when == "bar":
            return onset >= -(-max(arrived, 1) // bar) * bar
        return self._phrase_start()
