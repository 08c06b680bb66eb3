"""Which MIDI system is there, what ports it has, and which one a name the user typed means.

Probing a backend that is not running makes its C library write to the process's stderr (the
JACK client library, alsa-lib); ``quiet_stderr`` keeps that noise off the user's terminal, so
what they see is our one-line explanation instead. Everything here runs once at start-up on
the main thread, never on the engine's hot path.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence

from musicai.live.errors import PortError

#: ``--backend`` names -> python-rtmidi API names (``rtmidi.get_api_name``).
#: ``jack`` plays out through JACK-Client (frame-stamped, ``jack_output.py``) and reads input
#: through rtmidi's JACK API; ``jack-rtmidi`` is rtmidi's JACK API for both (the fallback).
BACKENDS: dict[str, str] = {"alsa": "alsa", "jack": "jack", "jack-rtmidi": "jack",
                            "coremidi": "core", "winmm": "winmm"}
TITLES = {"alsa": "ALSA", "jack": "JACK", "jack-rtmidi": "JACK (rtmidi)", "coremidi": "CoreMIDI",
          "winmm": "Windows MM"}
JACK_BACKENDS = ("jack", "jack-rtmidi")
ALSA_SEQUENCER = "/dev/snd/seq"


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence file descriptor 2 (C libraries write there directly) for the duration."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real stderr (embedded, pythonw): nothing to hide
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def rtmidi_api(backend: str) -> int:
    """The python-rtmidi API constant for a backend name, if this build has it."""
    import rtmidi

    wanted = BACKENDS[backend]
    for api in rtmidi.get_compiled_api():
        if rtmidi.get_api_name(api) == wanted:
            return api
    have = [b for b, n in BACKENDS.items() if n in
            {rtmidi.get_api_name(a) for a in rtmidi.get_compiled_api()}]
    raise PortError(f"MIDI backend {backend!r} is not in this python-rtmidi build on "
                    f"{sys.platform}; use --backend {' or '.join(have) or '(none available)'}")


def client(backend: str, kind: str = "out", name: str = "MusicAI") -> object:
    """A python-rtmidi MidiOut/MidiIn on ``backend``; PortError when the system is not there."""
    import rtmidi

    api = rtmidi_api(backend)
    if backend == "alsa" and not os.path.exists(ALSA_SEQUENCER):
        raise PortError(f"ALSA: no sequencer ({ALSA_SEQUENCER} is missing); load snd-seq "
                        "(modprobe snd-seq) or use --backend jack")
    make = rtmidi.MidiOut if kind == "out" else rtmidi.MidiIn
    try:
        with quiet_stderr():
            return make(api, name=name)
    except rtmidi.RtMidiError as err:
        raise PortError(f"{TITLES[backend]}: cannot connect ({err}); {way_out(backend)}") from err


def way_out(backend: str) -> str:
    return {
        "jack": "start a JACK server (jackd -d dummy, or qjackctl) or choose --backend alsa",
        "jack-rtmidi": "start a JACK server (jackd -d dummy, or qjackctl) or choose "
                       "--backend alsa",
        "alsa": "load the ALSA sequencer (modprobe snd-seq) or use --backend jack",
        "coremidi": "check Audio MIDI Setup (enable the IAC Driver)",
        "winmm": "install loopMIDI and create a port, then use --port",
    }[backend]


def available(backend: str) -> bool:
    """True when the backend's MIDI system answers (a JACK server runs, the sequencer exists)."""
    try:
        probe = client(backend, name="MusicAI-probe")
    except PortError:
        return False
    probe.delete()
    return True


def list_ports(backend: str) -> tuple[list[str], list[str]]:
    """(outputs we can send to, inputs we can read from) on ``backend``."""
    outs, ins = client(backend, "out", "MusicAI-list"), client(backend, "in", "MusicAI-list")
    try:
        return list(outs.get_ports()), list(ins.get_ports())
    finally:
        outs.delete()
        ins.delete()


def _short(name: str) -> str:
    """The port part of a JACK "client:port" name (the whole name elsewhere)."""
    return name.split(":", 1)[1] if ":" in name else name


def match_port(names: Sequence[str], wanted: str, backend: str = "", flag: str = "--port",
               kind: str = "outputs") -> int | None:
    """Index of the port ``wanted`` names: exact (whole name or JACK port part), then a
    case-insensitive substring; None when nothing matches; PortError when several do
    (naming ``flag`` and the ``kind`` of port listed)."""
    exact = [i for i, n in enumerate(names) if wanted in (n, _short(n))]
    if len(exact) == 1:
        return exact[0]
    if not exact:
        low = wanted.lower()
        exact = [i for i, n in enumerate(names) if low in n.lower()]
        if len(exact) == 1:
            return exact[0]
    if not exact:
        return None
    where = f" on {TITLES[backend]}" if backend in TITLES else ""
    listed = "; ".join(repr(names[i]) for i in exact)
    raise PortError(f"{flag} {wanted!r} matches {len(exact)} {kind}{where}: {listed}; "
                    "give more of the name")


def stable_name(name: str) -> str:
    """A port name without the device index Windows MM appends (it shifts on replugging)."""
    head, _, tail = name.rpartition(" ")
    return head if head and tail.isdigit() and sys.platform == "win32" else name
