"""The engine's process behind the screen: the whole headless session, plus a link to the UI.

Measured (bench/bench_tui_jitter.py, 2 loaded cores): an engine thread beside the Textual
screen in one process was late by 70-280 ms at p99 (the screen's garbage collections and its
long GIL holds), and by 0.24 ms when the engine had a process of its own. So with the screen
``musicai-live`` runs ``session.run`` here, in a spawned child, exactly as headless, and this
module only adds the link: a publisher thread that sends the snapshot right after each note
(when the next onset is furthest away), a reader thread that turns the screen's messages into
``Engine.send`` calls and take toggles, and ``say`` lines sent up instead of printed. If the
screen's process dies, the pipe closes and the engine stops: every note is released. The pipe
alone is not enough (a process the screen started may hold its end open), so the engine also
asks the kernel for SIGTERM when its parent dies, and watches its parent's pid.

Messages up (tuples): ("say", text), ("ready", input name), ("snapshot", EngineSnapshot),
("recording", take name), ("stopped",), ("exit", status). Down: ("go",) once the screen is
drawn (its start-up would compete for the CPU with the first notes), ("command", Command),
("take",).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from pathlib import Path

from musicai.live.engine.commands import Command
from musicai.live.engine.loop import Engine
from musicai.live.errors import MusicAIError
from musicai.live.midi.take import TakeInfo, TakeRecorder
from musicai.live.tui.takes import TakeSwitch

Post = Callable[..., None]
GO_PATIENCE = 10.0  # seconds the engine waits for the screen to be up before it plays anyway
PARENT_WATCH = 0.5  # seconds between looks at the parent's pid
PR_SET_PDEATHSIG = 1


class _Lines:
    """``sys.stdout``/``sys.stderr`` in the engine process: text goes up the pipe."""

    def __init__(self, post: Post) -> None:
        self.post = post

    def write(self, text: str) -> int:
        self.post("say", text)
        return len(text)

    def flush(self) -> None:
        return None

    def isatty(self) -> bool:
        return False


class LinkFront:
    """What ``session.run`` attaches to the engine when a screen drives it."""

    def __init__(self, commands: Connection, post: Post, first: Sequence[Command] = ()) -> None:
        self.commands, self.post, self.first = commands, post, first
        self.switch: TakeSwitch | None = None
        self.done = False
        self._played = threading.Event()
        self._go = threading.Event()

    def attach(self, engine: Engine, take: TakeRecorder | None, info: TakeInfo, takes: Path,
               input_name: str) -> None:
        """Before the engine starts: listeners, the two link threads, then "ready"."""
        self.switch = TakeSwitch(engine, info, takes, current=take)
        engine.listeners.append(lambda _note: self._played.set())
        for command in self.first:  # the --script's first version lands on the first note
            engine.send(command)
        threading.Thread(target=self._publish, args=(engine,), name="link-up",
                         daemon=True).start()
        threading.Thread(target=self._read, args=(engine,), name="link-down",
                         daemon=True).start()
        gc.collect()
        gc.freeze()  # nothing built so far is walked by a collection during the performance
        self.post("ready", input_name)
        self._go.wait(GO_PATIENCE)  # the screen is up: its start-up no longer competes

    def _publish(self, engine: Engine) -> None:
        shown, recording = None, ""
        while not self.done:
            self._played.wait(0.1)
            self._played.clear()
            snap = engine.snapshot
            if snap is not shown and not self.done:
                shown = snap
                self.post("snapshot", snap)
            if self.switch is not None and self.switch.recording != recording:
                recording = self.switch.recording
                self.post("recording", recording)

    def stopped(self, engine: Engine) -> None:
        """The performance is over (before the report lines): the last snapshot, then say so,
        so the screen closes and shows the report on the terminal, not on itself."""
        self.done = True
        self.post("snapshot", engine.snapshot)
        self.post("stopped")

    def _read(self, engine: Engine) -> None:
        while True:
            try:
                message = self.commands.recv()
            except (EOFError, OSError):  # the screen is gone: stop, all notes off
                engine.stop()
                self._go.set()
                return
            if message[0] == "go":
                self._go.set()
            elif message[0] == "command":
                engine.send(message[1])
            elif message[0] == "take" and self.switch is not None:
                self.post("say", self.switch.toggle() + "\n")

    def finish(self) -> None:
        """After the run: close a take started with r, and say where it went."""
        if self.switch is not None:
            if self.switch.current is not None and self.switch.current is not self.switch.adopted:
                self.switch.stop()
            for line in self.switch.written:
                self.post("say", f"musicai-live: {line}\n")


def die_with_parent() -> None:
    """SIGTERM this process when the screen's process is gone (it then stops like Ctrl-C,
    releasing every note): the kernel's parent-death signal on Linux, elsewhere a thread that
    sees the parent's pid change."""
    spawner = multiprocessing.parent_process()  # the screen, even if it is already gone
    parent = spawner.pid if spawner is not None and spawner.pid else os.getppid()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM,
                                                       0, 0, 0) == 0:
                if os.getppid() != parent:  # it died before the request: no signal comes
                    os.kill(os.getpid(), signal.SIGTERM)
                return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_WATCH)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def child_main(options: object, events: Connection, commands: Connection,
               first: Sequence[Command]) -> None:
    """The spawned process: ``session.run`` with the link; its exit status goes up last."""
    die_with_parent()
    from musicai.live import session

    lock = threading.Lock()

    def post(*message: object) -> None:
        # the screen may be gone: the reader thread sees that and stops the engine
        with lock, contextlib.suppress(OSError, EOFError):
            events.send(message)

    sys.stdout = sys.stderr = _Lines(post)
    front = LinkFront(commands, post, first)
    status = 1
    try:
        status = session.run(options, link=front)
        front.finish()
    except MusicAIError as err:
        post("say", f"musicai-live: {err}\n")
        status = 2
    except KeyboardInterrupt:
        post("say", "musicai-live: interrupted\n")
        status = 130
    finally:
        post("exit", status)
