"""The instrument's screen: reads engine snapshots on a UI timer, sends commands, never waits.

Everything here runs on Textual's thread. A ``set_interval`` timer (25 Hz) reads
``engine.snapshot`` (an immutable value the engine replaces after each note), repaints, polls
the ``--script`` file and takes the main thread's duties (``Minder.step``: port watch, stop
signals). Keys and the ``:`` line both go through ``live.livecode`` and reach the engine by
``Engine.send`` (a non-blocking queue put); the engine never calls into the UI at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import ClassVar

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, Input, Static

from ..commands import Action, Command
from ..encoding.grid import TICKS_PER_QUARTER
from ..engine import Engine, EngineSnapshot
from ..livecode import Context, Parsed, parse
from ..livescript import ScriptWatcher, context_of, send_all
from . import gc_quiet, view
from .cmdline import CommandLine
from .pianoroll import PianoRoll
from .takes import TakeSwitch

FPS = 25  # repaints per second (the issue asks for 20 or more)


def _key(key: str, line: str, description: str, show: bool = True, **kw: object) -> Binding:
    return Binding(key, f"line({line!r})", description, show=show, **kw)


def echo(commands: tuple[Command, ...]) -> str:
    """``key G major; temperature 1.1 @bar``: what a line sent, for the status line."""
    return "; ".join(c.name if isinstance(c, Action) else
                     f"{c.setting} {c.value}" + (f" @{c.when}" if c.when != "note" else "")
                     for c in commands)


class LiveApp(App[None]):
    TITLE = "MusicAI Live"
    ENABLE_COMMAND_PALETTE = False
    AUTO_FOCUS = None
    CSS = """
    #top { height: 2; }
    #harmony, #performance { width: 1fr; height: 2; padding: 0 1; }
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
        Binding("r", "record", "rec"),
        Binding("colon", "open_line", "command", key_display=":", priority=True),
        Binding("q", "quit", "quit"),
        Binding("ctrl+c", "quit", "quit", show=False, priority=True),
    ]

    def __init__(self, engine: Engine, *, minder: object | None = None,
                 takes: TakeSwitch | None = None, script: ScriptWatcher | None = None,
                 fps: float = FPS, greeting: str = "", freeze_gc: bool = False,
                 chores: Sequence[Callable[[], None]] = (), input_name: str = "") -> None:
        super().__init__()
        self.greeting, self.freeze_gc = greeting, freeze_gc
        self.chores, self.input_name = chores, input_name
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

    # commands -----------------------------------------------------------------------------------
    def context(self) -> Context:
        """Where relative commands start: what was last sent, until a later note shows it."""
        snap = self.engine.snapshot
        if self._intent is not None and snap.notes_played <= self._intent_notes:
            return self._intent
        self._intent = None
        return context_of(snap)

    def run_line(self, line: str) -> Parsed:
        """Parse one line and send it; errors go to the status line, never raise."""
        parsed = parse(line, self.context())
        if parsed.ok:
            self._send(parsed)
            if parsed.commands:
                self.say(echo(parsed.commands))
        else:
            self.say(f"{parsed.where()}: {parsed.error}", error=True)
        return parsed

    def _send(self, parsed: Parsed) -> None:
        if not parsed.ok:
            return
        send_all(self.engine, parsed)
        self._intent, self._intent_notes = parsed.context, self.engine.snapshot.notes_played

    def action_line(self, line: str) -> None:
        self.run_line(line)

    def action_cycle_direction(self) -> None:
        self.run_line("dir auto" if self.context().direction == "none" else "dir none")

    def action_mute(self) -> None:
        self.run_line("unmute" if self.context().muted else "mute")

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

    # the command line -------------------------------------------------------------------------
    def action_open_line(self) -> None:
        """Show and focus the line at once. A priority binding runs in the app's own loop
        before the next key is forwarded, so keys typed right after ':' (already queued)
        reach the line, not the instrument's bindings. In the line, ':' is just text."""
        line = self.query_one(CommandLine)
        if self.focused is line:
            line.insert_text_at_cursor(":")
            return
        line.display = True
        self.screen.set_focus(line)

    def on_command_line_closed(self, _message: CommandLine.Closed) -> None:
        self.query_one(CommandLine).display = False
        self.screen.set_focus(None)

    def on_command_line_choices(self, message: CommandLine.Choices) -> None:
        self.say("  ".join(message.choices) if message.choices else "no completions")

    def on_input_submitted(self, message: Input.Submitted) -> None:
        line = self.query_one(CommandLine)
        parsed = self.run_line(message.value)
        line.remember(message.value)
        if parsed.ok:
            line.value = ""
        else:
            line.cursor_position = max(0, parsed.column - 1)

