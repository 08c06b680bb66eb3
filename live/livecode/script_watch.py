"""Live coding from a file: the performer's own editor, re-applied on every save.

``ScriptWatcher.poll`` is called from the UI timer (TUI) or the headless main-thread loop: it
only stats the file (at most every ``every`` seconds) and reads and parses it when its mtime or
size changed, so no thread of ours ever touches the engine except through ``Engine.send``. A
script is all or nothing, like a line: a save with a typo sends nothing and says where.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from musicai.live.engine.loop import Engine
from musicai.live.engine.snapshot import EngineSnapshot
from musicai.live.errors import MusicAIError
from musicai.live.livecode.language import Context, Parsed, parse_script
from musicai.live.theory.keys import Key


def context_of(snapshot: EngineSnapshot) -> Context:
    """The values relative commands start from, as the engine last reported them."""
    described = snapshot.sampler
    try:
        key = Key.parse(described.get("key", "C major"))
    except MusicAIError:
        key = Key()
    return Context(key=key, temperature=float(described.get("temperature", 1.0)),
                   bpm=snapshot.bpm, muted=snapshot.muted,
                   direction=str(described.get("direction", "auto")),
                   form=str(described.get("form", "AABA")),
                   repeat=float(described.get("repeat", 0.7)),
                   density=float(described.get("density", 6.5)))


def send_all(engine: Engine, parsed: Parsed) -> None:
    """Queue a parse result's commands (nothing when it is an error); never blocks."""
    for command in parsed.commands:
        engine.send(command)


class ScriptWatcher:
    """Notices saves of one script file; ``poll`` says what to apply, or None."""

    def __init__(self, path: str | Path, every: float = 0.1) -> None:
        self.path = Path(path)
        self.every = every
        self.applied = 0  # how many versions were applied
        self._stamp: tuple | None = None
        self._next = 0.0

    def poll(self, context: Context, now: float | None = None) -> Parsed | None:
        """The parsed script when the file changed since the last look (the first look counts
        as a change), else None. A file that cannot be read is an error value, once."""
        now = time.monotonic() if now is None else now
        if now < self._next:
            return None
        self._next = now + self.every
        try:
            info = self.path.stat()
            stamp: tuple = (info.st_mtime_ns, info.st_size)
        except OSError as err:
            stamp = ("unreadable", err.strerror)
        if stamp == self._stamp:
            return None
        self._stamp = stamp
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except OSError as err:
            return Parsed(context=context, error=f"cannot read it ({err.strerror})")
        parsed = parse_script(text, context)
        self.applied += parsed.ok
        return parsed

    def describe(self, parsed: Parsed) -> str:
        """One status line for a poll result."""
        if parsed.ok:
            return f"script {self.path.name}: applied ({len(parsed.commands)} commands)"
        where = f" {parsed.where()}" if parsed.column else ""
        return f"script {self.path.name}{where}: {parsed.error}; nothing applied"


def script_chore(engine: Engine, watcher: ScriptWatcher,
                 say: Callable[[str], None]) -> Callable[[], None]:
    """For the headless loop: apply the script when saved, report each version in a line."""
    def chore() -> None:
        parsed = watcher.poll(context_of(engine.snapshot))
        if parsed is not None:
            send_all(engine, parsed)
            say(watcher.describe(parsed))
    return chore
