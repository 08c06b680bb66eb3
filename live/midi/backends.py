"""MIDI out through python-rtmidi (ALSA, JACK, CoreMIDI, Windows MM), and picking a backend.

``RtMidiOutput`` is the whole backend the port template needs: ``_send`` and ``_close``. A
send that python-rtmidi refuses becomes ``OSError`` (the template then marks the port lost and
the engine stops and silences). JACK and ALSA do not tell a sender that its destination went
away, so ``watch.PortWatch`` looks from the main thread and marks the port lost for them.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping, Sequence

from musicai.live.errors import NoMidiSystemError, PortError
from musicai.live.midi.discovery import (
    ALSA_SEQUENCER,
    BACKENDS,
    JACK_BACKENDS,
    TITLES,
    available,
    client,
    match_port,
    way_out,
)
from musicai.live.midi.ports import OutputPort

ENV = "MUSICAI_MIDI_BACKEND"
CLIENT = "MusicAI"
JACK_DRAIN = 0.03  # seconds: a few JACK periods (1024 frames at 48 kHz is 21 ms)
NO_MIDI = ("no MIDI system found (no ALSA sequencer, no JACK server running, no CoreMIDI); "
           "playing to the screen only. Ways out: start JACK (jackd -d dummy), loopMIDI on "
           "Windows, or --record FILE.mid to keep the take")


class RtMidiOutput(OutputPort):
    """An output port on a python-rtmidi ``MidiOut`` that this object owns."""

    def __init__(self, midi: object, name: str, backend: str, virtual: bool) -> None:
        super().__init__()
        self._midi = midi
        self.name = name
        self.backend = backend
        self.virtual = virtual
        self._gone: OSError | None = None

    def describe(self) -> str:
        if self.backend in JACK_BACKENDS:
            return ("JACK through rtmidi: each message at the start of the next period (up to "
                    "one period late); --backend jack stamps every message at its frame")
        return f"{TITLES[self.backend]}: each message sent when due"

    def _send(self, message: Sequence[int], when: float | None) -> None:
        import rtmidi

        if self._gone is not None:
            raise self._gone
        if self.closed:  # closed from another thread while this send waited for the lock
            raise OSError(f"port {self.name!r} is closed")
        try:
            self._midi.send_message(message)
        except rtmidi.RtMidiError as err:
            raise OSError(f"{TITLES[self.backend]} port {self.name!r}: {err}") from err

    def _close(self) -> None:
        if self.backend in JACK_BACKENDS:
            # Let JACK deliver the panic first: python-rtmidi holds the GIL while closing the
            # client, and closing waits for a process cycle, which stalls ~6 s when a MidiIn
            # callback in this process needs the GIL for that cycle's messages.
            time.sleep(JACK_DRAIN)
        self._midi.close_port()
        self._midi.delete()

    def mark_gone(self, reason: str) -> None:
        """Make every later send fail: the destination disappeared (seen by ``PortWatch``)."""
        self._gone = OSError(f"{TITLES[self.backend]} port {self.name!r} {reason}")


class NullOutput(OutputPort):
    """Plays to nothing: the screen and the take file are the performance (no MIDI system)."""

    name = "no MIDI port (screen only)"

    def _send(self, message: Sequence[int], when: float | None) -> None:
        return None


def choose_backend(requested: str | None, env: Mapping[str, str] = os.environ) -> str | None:
    """``--backend``, else $MUSICAI_MIDI_BACKEND, else the platform's; None: no MIDI system."""
    name = requested or env.get(ENV, "").strip().lower() or None
    if name is not None:
        if name not in BACKENDS:
            source = "--backend" if requested else f"${ENV}"
            raise PortError(f"{source} {name!r} is not a MIDI backend; use "
                            f"{', '.join(BACKENDS)}")
        return name
    if sys.platform == "darwin":
        return "coremidi"
    if sys.platform == "win32":
        return "winmm"
    if os.path.exists(ALSA_SEQUENCER):
        return "alsa"
    return "jack" if available("jack") else None


def open_output(backend: str, port: str | None) -> OutputPort:
    """Open ``port`` (exact, then substring match) or create a virtual port of that name;
    no ``port``: a virtual port called "MusicAI". PortError names the port and the way out.
    On JACK the port is JACK-Client's, frame-stamped (``jack_output.py``)."""
    if backend == "jack":
        try:
            from musicai.live.midi.jack_output import JackOutput
        except OSError as err:  # JACK-Client found no libjack
            raise PortError(f"JACK: the JACK library is missing ({err}); install libjack "
                            "(jackd2) or use --backend jack-rtmidi") from err
        return JackOutput(port)
    midi = client(backend, "out", CLIENT)
    try:
        return _open(midi, backend, port)
    except BaseException:
        midi.delete()
        raise


def _open(midi: object, backend: str, port: str | None) -> RtMidiOutput:
    import rtmidi

    title = TITLES[backend]
    names = list(midi.get_ports())
    index = None if port is None else match_port(names, port, backend)
    wanted = port or CLIENT
    try:
        if index is not None:
            midi.open_port(index, CLIENT)
            return RtMidiOutput(midi, names[index], backend, virtual=False)
        if backend == "winmm":
            error = NoMidiSystemError if port is None else PortError
            raise error(f"Windows MM: no output port {wanted!r} (outputs: "
                        f"{', '.join(names) or 'none'}); Windows has no virtual ports: "
                        f"install loopMIDI, create a port named {wanted!r} and run again")
        midi.open_virtual_port(wanted)
    except rtmidi.RtMidiError as err:
        raise PortError(f"{title}: cannot open port {wanted!r} ({err}); "
                        f"{way_out(backend)}") from err
    full = f"{CLIENT}:{wanted}" if backend in JACK_BACKENDS else wanted
    return RtMidiOutput(midi, full, backend, virtual=True)


def open_for(backend_arg: str | None, port: str | None,
             env: Mapping[str, str] = os.environ) -> tuple[OutputPort, str | None]:
    """The output a run plays into, and a note for the user (None when all is as asked).

    With no MIDI system and no explicit ``--port`` the instrument still plays, to the screen
    and the take file; an explicit ``--port`` that cannot be opened is an error. On JACK an
    ``--input`` is a port on this output's client (``jack_input.py``)."""
    backend = choose_backend(backend_arg, env)
    note = None
    if backend is None:
        if port is not None:
            raise PortError(f"cannot open --port {port!r}: {NO_MIDI.split(';')[0]}; "
                            "start JACK (jackd -d dummy) or pick --backend")
        return NullOutput(), NO_MIDI
    try:
        return open_output(backend, port), note
    except NoMidiSystemError as err:
        if port is not None:
            raise
        return NullOutput(), f"{err}; playing to the screen only (--record FILE.mid keeps it)"
