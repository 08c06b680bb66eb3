"""Note events: the unit the models read and write and the engine plays.

A melody is a list of ``NoteEvent`` back to back: each event starts where the previous one
ended, so a melody has no gaps and no overlaps; silence is a rest event. Besides its pitch and
duration an event carries the harmony sounding under it (the pitch classes the other parts
play at its onset, as a 12-bit mask, bit 0 = C) and the instrument playing it (a General MIDI
program family, or ``DRUMS``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from musicai.live.encoding.grid import DURATIONS
from musicai.live.errors import EncodingError, PitchRangeError

#: Instrument value for General MIDI percussion (channel 10); program families are 0..15.
DRUMS = 16

#: The 16 General MIDI program families, in program order (program // 8).
INSTRUMENT_FAMILIES: tuple[str, ...] = (
    "piano", "chromatic percussion", "organ", "guitar", "bass", "strings", "ensemble", "brass",
    "reed", "pipe", "synth lead", "synth pad", "synth effects", "ethnic", "percussive",
    "sound effects",
)  # fmt: skip

_DURATION_SET = frozenset(DURATIONS)


@dataclass(frozen=True, slots=True)
class NoteEvent:
    """One note or rest on the grid. ``pitch`` is a MIDI note number, or None for a rest."""

    pitch: int | None
    duration: int
    harmony: int = 0
    instrument: int = 0

    def __post_init__(self) -> None:
        if self.pitch is not None and not 0 <= self.pitch <= 127:
            raise EncodingError(f"pitch {self.pitch} is not a MIDI note number (0..127)")
        if self.duration not in _DURATION_SET:
            raise EncodingError(
                f"duration {self.duration} ticks is not on the grid; use one of {DURATIONS}"
            )
        if not 0 <= self.harmony < 1 << 12:
            raise EncodingError(f"harmony mask {self.harmony} is not a 12-bit pitch-class set")
        if not 0 <= self.instrument <= DRUMS:
            raise EncodingError(
                f"instrument {self.instrument} is not a GM family (0..15) or DRUMS ({DRUMS})"
            )

    @property
    def is_rest(self) -> bool:
        return self.pitch is None


def pitch_class_mask(pitches: Iterable[int]) -> int:
    """The 12-bit pitch-class set of some MIDI notes (bit 0 = C)."""
    mask = 0
    for pitch in pitches:
        mask |= 1 << (pitch % 12)
    return mask


def rotate_mask(mask: int, semitones: int) -> int:
    """Transpose a pitch-class set."""
    shift = semitones % 12
    return ((mask << shift) | (mask >> (12 - shift))) & 0xFFF


def transpose(events: Sequence[NoteEvent], semitones: int, low: int = 0,
              high: int = 127) -> list[NoteEvent]:
    """Shift every pitch and the harmony by ``semitones``.

    Raises PitchRangeError when a note would leave ``low..high``: a transposed melody is
    either whole or not made at all.
    """
    out = []
    for event in events:
        if event.pitch is None:
            out.append(replace(event, harmony=rotate_mask(event.harmony, semitones)))
            continue
        pitch = event.pitch + semitones
        if not low <= pitch <= high:
            raise PitchRangeError(
                f"transposing by {semitones:+d} moves pitch {event.pitch} to {pitch}, "
                f"outside {low}..{high}"
            )
        out.append(replace(event, pitch=pitch, harmony=rotate_mask(event.harmony, semitones)))
    return out


def total_ticks(events: Iterable[NoteEvent]) -> int:
    return sum(event.duration for event in events)
