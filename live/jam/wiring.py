"""One run's jam: open the input, plug the controller into the engine, watch the port.

``start_jam`` runs on the main thread before the engine starts; ``JamRun.chores`` are called
by the main thread's wait loop (the input watch, at most once a second); ``close`` runs after
the engine has stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from musicai.live.engine.loop import Engine
from musicai.live.errors import PortError
from musicai.live.jam.controller import JamController
from musicai.live.jam.options import JamOptions
from musicai.live.midi.backends import NO_MIDI, choose_backend
from musicai.live.midi.inbox import Inbox
from musicai.live.midi.input import InputListener, InputPort
from musicai.live.midi.input_watch import InputWatch


@dataclass
class JamRun:
    listener: InputPort
    watch: InputWatch
    controller: JamController
    say: Callable[[str], None]

    @property
    def chores(self) -> tuple[Callable[[], None], ...]:
        return (self.watch,)

    def close(self) -> None:
        """Close the port (after the engine stopped) and say what came in."""
        self.listener.close()
        self.watch.close()
        inbox = self.listener.inbox
        dropped = inbox.dropped + getattr(self.listener, "dropped", 0)
        self.say(f"input: {inbox.received} messages, {inbox.ignored} ignored, {inbox.bad} "
                 f"malformed, {dropped} dropped; {self.controller.absorbed} notes "
                 f"absorbed; port lost {self.watch.losses} times")


def open_listener(engine: Engine, backend: str, wanted: str,
                  inbox: Inbox) -> InputPort:
    """The output's own input where it has one (JACK-Client: a port on the same client);
    elsewhere rtmidi's."""
    own = engine.output.open_input(wanted, inbox) if backend == "jack" else None
    return own if own is not None else InputListener(backend, wanted, inbox).open()


def start_jam(engine: Engine, options: JamOptions, backend_arg: str | None,
              say: Callable[[str], None]) -> JamRun | None:
    """Open ``--input`` and attach the jam to ``engine``; None without ``--input``."""
    if options.input is None:
        return None
    backend = choose_backend(backend_arg)
    if backend is None:
        raise PortError(f"cannot open --input {options.input!r}: {NO_MIDI.split(';')[0]}; "
                        "start JACK (jackd -d dummy) or pick --backend")
    setup = options.setup
    inbox = Inbox(setup.cc.controllers if setup.cc else (), clock=setup.sync)
    listener = open_listener(engine, backend, options.input, inbox)
    try:
        watch = InputWatch(listener, say)
    except BaseException:
        listener.close()
        raise
    engine.jam = JamController(engine, inbox, setup)
    where = " (a new virtual port: connect a keyboard to it)" if listener.virtual else ""
    sync = "; following MIDI clock, waiting for Start" if setup.sync else ""
    say(f"listening to {listener.name}{where}; jam: {setup.mode}{sync}")
    return JamRun(listener, watch, engine.jam, say)
