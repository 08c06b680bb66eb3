"""The instrument's screen: reads engine snapshots on a UI timer, sends commands, never waits.

Everything here runs on Textual's thread. A ``set_interval`` timer (25 Hz) reads
``engine.snapshot`` (an immutable value, replaced after each note), repaints what changed, polls
the ``--script`` file and steps the ``minder`` (the main thread's duties: stop signals, the
engine's end). ``engine`` is an ``EngineLink`` to the engine's own process when
``musicai-live`` runs (``link.py``; measured: a thread in this process would be late), or an
``Engine`` in tests. Keys and the ``:`` line both go through ``live.livecode`` and reach the
engine by ``send`` (a queue put or a pipe write); the engine never calls into the UI.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar

from musicai.live.encoding.grid import TICKS_PER_QUARTER
from musicai.live.engine.commands import Action
from musicai.live.engine.loop import Engine
from musicai.live.engine.snapshot import EngineSnapshot
from musicai.live.livecode.language import Context
from musicai.live.livecode.script_watch import ScriptWatcher
from musicai.live.tui import gc_quiet, view
from musicai.live.tui.cmdline import CommandLine
from musicai.live.tui.commanding import Commanding
from musicai.live.tui.pianoroll import PianoRoll
from musicai.live.tui.takes import TakeSwitch
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, Static

if TYPE_CHECKING:
    from musicai.live.tui.link import EngineLink, RemoteTakes

FPS = 25  # repaints per second (the issue asks for 20 or more)


def _key(key: str, line: str, description: str, show: bool = True, **kw: object) -> Binding:
    return Binding(key, f"line({line!r})", description, show=show, **kw)


class LiveApp(Commanding, App[None]):
    TITLE = "MusicAI Live"
    ENABLE_COMMAND_PALETTE = False
    AUTO_FOCUS = None
    CSS = """
    #top { height: 3; }
    #harmony, #performance { width: 1fr; height: 3; padding: 0 1; }
    PianoRoll { border-top: solid $primary-darken-2; }
    #meters { height: 2; padding: 0 1; }
    #status { height: 1; padding: 0 1; color: $text-muted; }
    #status.error { color: $error; text-style: bold; }
    CommandLine { display: none; border: none; height: 1; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[Binding]] = [
        _key("up", "dir up", "dir up", key_display="↑"),
        _key("down", "dir down", "dir down", key_display="↓"),
        Binding("left,right", "cycle_direction", "none/auto", key_display="←→"),
        _key("k", "key next", "key +5th"),
        _key("K", "key prev", "key -5th"),
        _key("m", "mode next", "mode"),
        _key("plus", "temp +0.1", "temp+", key_display="+"),
        _key("minus", "temp -0.1", "temp-", key_display="-"),
        _key("left_square_bracket", "bpm -4", "bpm-", key_display="["),
        _key("right_square_bracket", "bpm +4", "bpm+", key_display="]"),
        Binding("space", "mute", "mute"),
        _key("p", "panic", "panic"),
        _key("f", "form next", "form", show=False),
        _key("comma", "repeat -0.1", "repeat-", key_display=",", show=False),
        _key("full_stop", "repeat +0.1", "repeat+", key_display=".", show=False),
        _key("d", "density -1", "dens-", show=False),
        _key("D", "density +1", "dens+", show=False),
        _key("l", "loop 2 @bar", "loop 2", show=False),
        _key("L", "loop off", "loop off", show=False),
        _key("s", "style next", "style", show=False),
        Binding("r", "record", "rec"),
        Binding("colon", "open_line", "command", key_display=":", priority=True),
        Binding("q", "quit", "quit"),
        Binding("ctrl+c", "quit", "quit", show=False, priority=True),
    ]

    def __init__(self, engine: Engine | EngineLink, *, minder: object | None = None,
                 takes: TakeSwitch | RemoteTakes | None = None, script: ScriptWatcher | None = None,
                 fps: float = FPS, greeting: str = "", freeze_gc: bool = False,
                 chores: Sequence[Callable[[], None]] = (), input_name: str = "",
                 started: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.greeting, self.freeze_gc = greeting, freeze_gc
        self.chores, self.input_name, self.started = chores, input_name, started
        self._printed = ""
        self.engine, self.minder, self.takes, self.script = engine, minder, takes, script
        self.fps = fps
        self.status_line = ""
        self.quitting = False
        self._shown: EngineSnapshot | None = None
        self._seen_at = time.perf_counter()
        self._intent: Context | None = None  # where sent commands lead, until a note shows it
        self._intent_notes = 0

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield Static(id="harmony")
            yield Static(id="performance")
        yield PianoRoll(id="roll")
        yield Static(id="meters")
        yield Static(id="status")
        yield CommandLine(id="cmd")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.roll = self.query_one(PianoRoll)
        self.panels = {name: self.query_one(f"#{name}", Static)
                       for name in ("harmony", "performance", "meters", "status")}
        self.begin_capture_print(self)  # say() lines from chores go to the status line
        self.say(self.greeting, error="nothing applied" in self.greeting)
        self.refresh_from_engine()
        self.set_interval(1 / self.fps, self.refresh_from_engine)
        if self.freeze_gc:  # the screen's widgets, styles and caches: see gc_quiet
            self.call_after_refresh(gc_quiet.after_start)
        if self.started is not None:  # drawn: the engine process may start playing
            self.call_after_refresh(self.started)

    # the UI tick ------------------------------------------------------------------------------
    def refresh_from_engine(self) -> None:
        """Read the latest snapshot, repaint, poll the script, mind the engine thread. A bug
        here shows on the status line; it must not take the screen down mid-performance."""
        try:
            self._tick()
        except Exception as err:  # reported; the performance goes on
            self.say(f"screen: {type(err).__name__}: {err}", error=True)

    def _tick(self) -> None:
        if self.minder is not None and not self.minder.step():
            self.exit()
            return
        snap = self.engine.snapshot
        if snap is not self._shown:
            self._show(snap)
        now = snap.tick
        if snap.running:
            now += (time.perf_counter() - self._seen_at) * snap.bpm * TICKS_PER_QUARTER / 60
        self.roll.show(snap.recent, now, self.engine.settings.beats_per_bar)
        for chore in self.chores:  # the main thread's duties, e.g. the jam's input watch
            chore()
        if self.script is not None:
            parsed = self.script.poll(self.context())
            if parsed is not None:
                self._send(parsed)
                self.say(self.script.describe(parsed), error=not parsed.ok)

    def _show(self, snap: EngineSnapshot) -> None:
        old, self._shown, self._seen_at = self._shown, snap, time.perf_counter()
        if old is None or old.sampler != snap.sampler:
            self.panels["harmony"].update(view.harmony(snap.sampler), layout=False)
        self._show_performance()
        self.panels["meters"].update(view.meters(snap, self.input_name), layout=False)
        if snap.message and (old is None or snap.message != old.message):
            self.say(snap.message, error=True)

    def _show_performance(self) -> None:
        recording = self.takes.recording if self.takes is not None else ""
        self.panels["performance"].update(
            view.performance(self.engine.snapshot, recording), layout=False)

    def on_print(self, event: events.Print) -> None:
        """Lines printed while the screen is up (``musicai-live: ...``) become status lines."""
        self._printed += event.text
        *lines, self._printed = self._printed.split("\n")
        for line in filter(None, (raw.strip() for raw in lines)):
            self.say(line.removeprefix("musicai-live: "), error=event.stderr)

    def say(self, line: str, error: bool = False) -> None:
        """The one status line: the latest error, warning or what a command did."""
        self.status_line = line
        status = self.panels["status"]
        status.update(line, layout=False)
        status.set_class(error, "error")

    def action_record(self) -> None:
        if self.takes is None:
            self.say("recording is not available here", error=True)
            return
        line = self.takes.toggle()  # "" from the engine process: it says what happened
        if line:
            self.say(line, error=line.startswith(("cannot", "take ")) and "written" not in line)
        self._show_performance()

    async def action_quit(self) -> None:
        """Panic first, then stop; with a minder the tick exits once the engine has ended."""
        self.engine.send(Action("panic"))
        self.quitting = True
        if self.minder is not None:
            self.minder.ask_stop()
            self.say("stopping: all notes off")
        else:
            self.engine.stop()
            self.exit()

