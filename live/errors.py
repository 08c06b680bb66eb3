"""Every error the runtime raises on purpose.

Each one carries a message written for a musician: what went wrong, naming the file, port or
value, and what to do about it. The command-line front ends print ``str(err)`` on one line and
exit; nothing here should ever reach a user as a traceback.
"""

from __future__ import annotations


class MusicAIError(Exception):
    """Base of every deliberate error in musicai.live."""


class EncodingError(MusicAIError, ValueError):
    """A note event or token that the encoding cannot represent."""


class PitchRangeError(EncodingError):
    """A pitch (often after transposition) outside the vocabulary's range."""


class VocabularyError(MusicAIError, ValueError):
    """A vocabulary description that is malformed or of an unsupported version."""


class MidiFileError(MusicAIError):
    """A MIDI file that cannot be read or written; names the file and the reason."""

    def __init__(self, path: object, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class ModelFileError(MusicAIError):
    """A model file that cannot be used: unreadable, not a MusicAI model, or of another
    encoding version. The message is one line naming the file and what to do."""

    def __init__(self, path: object, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class TheoryError(MusicAIError, ValueError):
    """A key, mode, note or chord name the theory module cannot read; the message lists
    what it accepts."""


class SamplerError(MusicAIError, ValueError):
    """A sampler setting out of range, or logits of the wrong shape."""


class PortError(MusicAIError, OSError):
    """A MIDI port or backend that cannot be used: names the port/backend and the way out."""


class ServerStoppedError(PortError):
    """The MIDI server itself went away mid-performance (JACK quit); the message is the whole
    line, since it is about the server, not the port."""


class NoMidiSystemError(PortError):
    """No MIDI system on this machine (no ALSA sequencer, no JACK server, no CoreMIDI)."""


class JamError(MusicAIError, ValueError):
    """A jam setting that cannot be used: a mode, a CC map (string or TOML file), a split
    point or clock option; names the value and what is accepted."""
