"""Noticing that the port we play into has gone (unplugged, or its program quit).

JACK and ALSA keep accepting messages for a destination that no longer exists, so the engine
would play on into nothing. Once a second the main thread lists the destinations through a
separate client (never the one the engine sends on: ALSA handles are not thread-safe) and,
when ours is missing, marks the port gone: the engine's next send fails and the run stops
with one line. A JACK-Client port (``--backend jack``) answers for itself: its client looks
the destination up by name, and JACK's shutdown callback reports a server that stops (one
line, status 1). Known limit, ``--backend jack-rtmidi`` only: a JACK server that dies is not
seen (python-rtmidi's port list goes stale and sends still succeed).
"""

from __future__ import annotations

from musicai.live.midi.backends import CLIENT, RtMidiOutput
from musicai.live.midi.discovery import client, stable_name
from musicai.live.midi.ports import OutputPort


class PortWatch:
    """Watches an output opened onto someone else's port; virtual ports need no watching."""

    def __init__(self, output: OutputPort) -> None:
        self.output = output
        self._probe: object | None = None
        if isinstance(output, RtMidiOutput) and not output.virtual:
            self._probe = client(output.backend, "out", f"{CLIENT}-watch")

    def check(self) -> bool:
        """False (and the port marked gone) once the destination is no longer listed."""
        connected = getattr(self.output, "connected", None)
        if connected is not None:  # JACK-Client knows its own connections
            if connected():
                return True
            self.output.mark_gone("disappeared (unplugged, or its program quit)")
            return False
        if self._probe is None or not isinstance(self.output, RtMidiOutput):
            return True
        if stable_name(self.output.name) in {stable_name(n) for n in self._probe.get_ports()}:
            return True
        self.output.mark_gone("disappeared (unplugged, or its program quit)")
        return False

    def close(self) -> None:
        if self._probe is not None:
            self._probe.delete()
            self._probe = None
