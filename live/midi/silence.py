"""Silencing a port from outside the engine, after the engine's process died.

A killed engine process cannot send its own note-offs. The screen's process can still open the
same destination and send Sustain off, All Notes Off and All Sound Off on every channel, which
releases whatever the dead process left sounding at any receiver that honours them. A virtual
port died with its process (nothing is connected to a new one), so only a named ``--port``
can be silenced this way.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from musicai.live.errors import MusicAIError
from musicai.live.midi.messages import ALL_NOTES_OFF, ALL_SOUND_OFF, control_change

SUSTAIN = 64


def all_notes_off(backend_arg: str | None, port: str | None,
                  env: Mapping[str, str] = os.environ) -> str:
    """Open ``port`` anew and silence all 16 channels; one line saying what was done."""
    from musicai.live.midi.backends import choose_backend, open_output

    if port is None:
        return "its virtual port went with it, so nothing is left connected to silence"
    backend = choose_backend(backend_arg, env)
    if backend is None:
        return "no MIDI system to silence"
    try:
        output = open_output(backend, port)
    except (MusicAIError, OSError) as err:
        return f"could not open {port!r} again to silence it ({err})"
    try:
        output.settle()
        for channel in range(16):
            for control in (SUSTAIN, ALL_NOTES_OFF, ALL_SOUND_OFF):
                output.send(control_change(channel, control, 0))
    except (OSError, ValueError) as err:
        return f"could not silence {port!r} ({err})"
    finally:
        output.close()
    return f"sent All Notes Off to {output.name!r} on every channel"
