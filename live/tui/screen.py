"""The screen as ``perform``'s foreground: built before the engine starts, run on the main
thread while it plays, the terminal given back before the run's last lines are printed.

The take switch is attached here, before ``perform`` starts the engine thread, so the first
note of a ``--record`` take (which the switch adopts) is never missed. Textual is imported
only when the screen really opens: headless runs and ``--help`` never load it.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from pathlib import Path

from ..engine import Engine
from ..livescript import ScriptWatcher, context_of, send_all
from ..midi.take import TakeInfo, TakeRecorder
from ..perform import Foreground, Minder
from .takes import TakeSwitch


def screen_foreground(engine: Engine, take: TakeRecorder | None, info: TakeInfo,
                      takes: Path, script: Path | None, say: Callable[[str], None],
                      chores: Sequence[Callable[[], None]] = (),
                      input_name: str = "") -> Foreground:
    switch = TakeSwitch(engine, info, takes, current=take)
    watcher = ScriptWatcher(script) if script is not None else None
    greeting = "press : for the command line, q to quit"
    if watcher is not None:  # the script's first version lands on the first note
        parsed = watcher.poll(context_of(engine.snapshot))
        if parsed is not None:
            send_all(engine, parsed)
            greeting = watcher.describe(parsed)

    from .app import LiveApp  # Textual loaded (and frozen) before the engine starts

    gc.collect()
    gc.freeze()  # see gc_quiet: the collector never walks what exists before the performance

    def run(minder: Minder) -> None:
        app = LiveApp(engine, minder=minder, takes=switch, script=watcher, greeting=greeting,
                      freeze_gc=True, chores=chores, input_name=input_name)
        try:
            app.run()
        finally:
            if minder.step():  # the screen closed first (a crash, ctrl+q): stop as q does
                minder.ask_stop()
                while minder.step():
                    minder.thread.join(0.05)
            if switch.current is not None and switch.current is not take:
                switch.stop()
            for line in switch.written:
                say(line)

    return run
