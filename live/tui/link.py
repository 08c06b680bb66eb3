"""The screen's end of the link to the engine process (``live/screen_engine.py``).

``run_on_screen`` is ``musicai-live`` on a terminal: it spawns the engine process, prints its
lines until it is ready (a bad port fails here, before any screen), runs the screen with an
``EngineLink`` standing in for the engine, then prints the run's last lines once the terminal
is back. The link never waits on the UI thread: ``poll`` takes what has arrived; ``send`` puts
one small message on a pipe the engine process reads all the time.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing as mp
import sys
import time
from collections.abc import Callable

from musicai.live.engine.commands import Action, Command
from musicai.live.engine.loop import EngineSettings
from musicai.live.engine.snapshot import EngineSnapshot
from musicai.live.livecode.language import Context
from musicai.live.livecode.script_watch import ScriptWatcher
from musicai.live.midi.signals import stop_on_signals
from musicai.live.perform import STOP_GRACE
from musicai.live.theory.keys import Key

GREETING = "press : for the command line, q to quit"
#: The engine process's entry point (``screen_engine.child_main``), handed in by the caller so
#: that the screen never imports the session that builds the engine: (options, up, down, first).
EngineMain = Callable[..., None]


class RemoteTakes:
    """The ``r`` key's take switch, which lives in the engine process."""

    def __init__(self, link: EngineLink) -> None:
        self.link, self.recording = link, ""

    def toggle(self) -> str:
        self.link.down(("take",))
        return ""  # the engine process says what happened


class EngineLink:
    """What the screen needs of an engine (``snapshot``, ``send``, ``stop``, ``settings``) and
    of a minder (``step``, ``ask_stop``), over two pipes to the engine process."""

    settings = EngineSettings()  # the meter, for the piano roll's bar lines

    def __init__(self, options: object, engine_main: EngineMain,
                 first: tuple[Command, ...] = ()) -> None:
        self.options = options
        ctx = mp.get_context("spawn")  # a fresh interpreter: no Textual, no screen threads
        self._up, up_child = ctx.Pipe(duplex=False)
        down_child, self._down = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=engine_main, name="musicai-engine",
                                   args=(options, up_child, down_child, first))
        self.process.start()
        up_child.close()
        down_child.close()
        self._snapshot = EngineSnapshot(bpm=getattr(options, "bpm", 120.0))
        self.takes = RemoteTakes(self)
        self.ready, self.stopped, self.input_name = False, False, ""
        self.status: int | None = None
        self.held: list[str] | None = None  # lines kept while the screen closes
        self.stop_asked: float | None = None

    # the engine, as the screen sees it --------------------------------------------------------
    @property
    def snapshot(self) -> EngineSnapshot:
        self.poll()
        return self._snapshot

    def send(self, command: Command) -> None:
        self.down(("command", command))

    def stop(self) -> None:
        self.send(Action("stop"))

    def go(self) -> None:
        """The screen is up: the engine may start playing."""
        self.down(("go",))

    def down(self, message: tuple) -> None:
        with contextlib.suppress(OSError, EOFError):  # the engine process is gone: poll says
            self._down.send(message)

    # the minder --------------------------------------------------------------------------------
    def step(self) -> bool:
        """False once the engine has stopped; a stop that is not obeyed in time ends the
        process (SIGTERM: it still releases every note)."""
        self.poll()
        if (self.stop_asked is not None and self.status is None
                and time.monotonic() - self.stop_asked > STOP_GRACE + 1):
            self.terminate()
        return not self.stopped

    def ask_stop(self) -> None:
        self.stop()
        if self.stop_asked is None:
            self.stop_asked = time.monotonic()

    def terminate(self) -> None:
        if self.process.is_alive():
            self.process.terminate()

    # messages ------------------------------------------------------------------------------------
    def poll(self, timeout: float = 0.0) -> None:
        """Take what has arrived (waiting up to ``timeout`` for the first message)."""
        while self.status is None:
            try:
                if not self._up.poll(timeout):
                    return
                message = self._up.recv()
            except (EOFError, OSError):
                self._engine_died()
                return
            timeout = 0.0
            self._handle(message)

    def _handle(self, message: tuple) -> None:
        kind = message[0]
        if kind == "snapshot":
            self._snapshot = message[1]
        elif kind == "say":
            self._say(message[1])
        elif kind == "ready":
            self.ready, self.input_name = True, message[1]
        elif kind == "recording":
            self.takes.recording = message[1]
        elif kind in ("stopped", "exit"):
            self.stopped = True
            self.held = [] if self.held is None else self.held
            if kind == "exit":
                self.status = message[1]

    def _engine_died(self) -> None:
        """The engine's process is gone without its exit message (killed, crashed): it sent
        no note-offs, so this process silences the port itself, then the run ends with 1."""
        from musicai.live.midi.silence import all_notes_off

        self.process.join(2)
        code = self.process.exitcode
        how = (f"killed by signal {-code}" if code is not None and code < 0
               else f"exit status {code}" if code is not None else "still running, cut off")
        self.held = [] if self.held is None else self.held  # printed once the screen is gone
        done = all_notes_off(getattr(self.options, "backend", None),
                             getattr(self.options, "port", None))
        self._say(f"musicai-live: the engine process ended unexpectedly ({how}); {done}\n")
        self.status, self.stopped = 1, True

    def _say(self, text: str) -> None:
        if self.held is not None:
            self.held.append(text)
        else:
            sys.stderr.write(text)
            sys.stderr.flush()

    def wait_ready(self) -> bool:
        while not self.ready and self.status is None:
            self.poll(0.1)
        return self.ready

    def finish(self, patience: float = 15.0) -> int:
        """Stop (if still playing), wait for the exit status, print the held lines."""
        if self.status is None and not self.stopped:
            self.ask_stop()
        deadline = time.monotonic() + patience
        while self.status is None and time.monotonic() < deadline:
            self.poll(0.1)
            if self.status is None and not self.process.is_alive() and not self._up.poll():
                self._engine_died()
        if self.status is None:
            self.terminate()
            self.status = 1
        for text in self.held or ():
            sys.stderr.write(text)
        sys.stderr.flush()
        self.process.join(5)
        return self.status


def start_context(options: object) -> Context:
    """What relative commands in the script's first version start from."""
    return Context(key=Key.parse(options.key), temperature=options.temperature,
                   form=options.form, repeat=options.repeat, density=options.density,
                   style=options.style or "",
                   bpm=options.bpm, direction=options.direction)


def run_on_screen(options: object, engine_main: EngineMain) -> int:
    """``musicai-live`` with the screen: engine process, screen here, lines before and after."""
    watcher = ScriptWatcher(options.script) if options.script is not None else None
    first, greeting = (), GREETING
    if watcher is not None:
        parsed = watcher.poll(start_context(options))
        if parsed is not None:
            first, greeting = parsed.commands, watcher.describe(parsed)
    link = EngineLink(options, engine_main, first)
    with stop_on_signals(link.ask_stop, link.terminate):
        if link.wait_ready():
            from musicai.live.tui.app import LiveApp

            gc.collect()
            gc.freeze()
            app = LiveApp(link, minder=link, takes=link.takes, script=watcher, greeting=greeting,
                          freeze_gc=True, input_name=link.input_name, started=link.go)
            app.run()
        return link.finish()
