"""Note names and pitch classes.

A pitch class is 0..11 with 0 = C, the same numbering as the 12-bit harmony masks of
``live.encoding`` (bit 0 = C). Names are read with sharps or flats, in either case, with ASCII
(``#``, ``b``) or Unicode (``♯``, ``♭``) accidentals, up to two of them ("F##" = G); names are
written back with sharps or with flats as the caller (usually a ``Key``) prefers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from musicai.live.errors import TheoryError

SHARP_NAMES: tuple[str, ...] = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FLAT_NAMES: tuple[str, ...] = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")

_LETTERS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ACCIDENTALS = {"#": 1, "♯": 1, "b": -1, "♭": -1}
NOTE_PATTERN = r"([A-Ga-g])([#♯b♭]{0,2})"
_NOTE_RE = re.compile(NOTE_PATTERN + r"$")

ACCEPTED_NOTES = 'a letter A-G with up to two # or b, e.g. "C", "F#", "Bb", "Db"'


def pitch_class_of(letter: str, accidentals: str) -> int:
    """The pitch class of a letter and its accidentals (already split by a regex)."""
    return (_LETTERS[letter.upper()] + sum(_ACCIDENTALS[a] for a in accidentals)) % 12


def pitch_class(name: str) -> int:
    """Read a note name ("C", "f#", "Bb", "D♭") as a pitch class 0..11."""
    match = _NOTE_RE.match(name.strip())
    if match is None:
        raise TheoryError(f'unknown note name "{name}": write {ACCEPTED_NOTES}')
    return pitch_class_of(match.group(1), match.group(2))


def note_name(pc: int, flats: bool = False) -> str:
    """The name of a pitch class, spelt with flats or sharps."""
    return (FLAT_NAMES if flats else SHARP_NAMES)[pc % 12]


def midi_name(pitch: int, flats: bool = False) -> str:
    """A MIDI note as a name with its octave, middle C (60) being "C4"."""
    return f"{note_name(pitch, flats)}{pitch // 12 - 1}"


def mask_of(pcs: Iterable[int]) -> int:
    """The 12-bit set of some pitch classes (or MIDI notes), bit 0 = C."""
    mask = 0
    for pc in pcs:
        mask |= 1 << (pc % 12)
    return mask


def pitch_classes_of(mask: int) -> tuple[int, ...]:
    """The pitch classes in a 12-bit mask, lowest first."""
    return tuple(pc for pc in range(12) if mask >> pc & 1)
