"""Modes and keys: which pitch classes a melody in "D dorian" may use.

A ``Key`` is a tonic pitch class plus a mode name from ``MODES``. Keys are read from what a
musician types: a tonic letter with optional ``#``/``b`` (any case), then a mode, with or
without a space: "D minor", "d minor", "F# dorian", "Bb" (major), "C#m", "A aeolian",
"Ebmaj", "g harmonic minor", "E minor pentatonic", "A blues". Short forms: ``m``/``min``/
``aeolian``/``natural minor`` = minor; ``M``/``maj``/``ionian`` = major; ``mixo`` =
mixolydian; ``pentatonic``/``pent`` = major pentatonic; ``m pentatonic``/``minor pent`` =
minor pentatonic; ``harmonic``/``melodic`` = harmonic/melodic minor. A bare tonic is major.

Two keys are equal when tonic and mode are (F# major == Gb major); the spelling preference
(``flats``) only changes how names print. It follows the name as typed ("Gb" -> flats) and
otherwise the key signature: the flat side of the circle (F, Bb, Eb, Ab, Db as the relative
major) prints flats, everything else sharps.

Roman numerals count degrees of the key's own seven-note scale; the pentatonic scales and the
blues scale borrow the degrees of their parent (major pentatonic: major; minor pentatonic and
blues: natural minor), so "IV" always has a meaning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from musicai.live.errors import TheoryError
from musicai.live.theory.notes import NOTE_PATTERN, mask_of, note_name, pitch_class, pitch_class_of

#: Semitones above the tonic, per mode.
MODES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "harmonic minor": (0, 2, 3, 5, 7, 8, 11),
    "melodic minor": (0, 2, 3, 5, 7, 9, 11),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "locrian": (0, 1, 3, 5, 6, 8, 10),
    "major pentatonic": (0, 2, 4, 7, 9),
    "minor pentatonic": (0, 3, 5, 7, 10),
    "blues": (0, 3, 5, 6, 7, 10),
}

MODE_ALIASES: dict[str, str] = {
    "": "major", "maj": "major", "ionian": "major", "M": "major",
    "m": "minor", "min": "minor", "aeolian": "minor", "natural minor": "minor",
    "harmonic": "harmonic minor", "harm minor": "harmonic minor", "m harmonic": "harmonic minor",
    "melodic": "melodic minor", "mel minor": "melodic minor", "jazz minor": "melodic minor",
    "mixo": "mixolydian", "dor": "dorian", "phryg": "phrygian", "lyd": "lydian",
    "loc": "locrian",
    "pentatonic": "major pentatonic", "pent": "major pentatonic",
    "major pent": "major pentatonic", "maj pentatonic": "major pentatonic",
    "minor pent": "minor pentatonic", "m pentatonic": "minor pentatonic",
    "m pent": "minor pentatonic", "min pentatonic": "minor pentatonic",
    "minor blues": "blues",
}  # fmt: skip

#: Seven-note scale whose degrees a mode's Roman numerals use (its own where it has seven).
PARENT_MODE: dict[str, str] = {
    "major pentatonic": "major", "minor pentatonic": "minor", "blues": "minor",
}  # fmt: skip

#: Modes whose third degree is minor: their default numerals and estimates are "minor-like".
MINOR_LIKE = frozenset(m for m, steps in MODES.items() if 3 in steps and 4 not in steps)

#: Where each mode's tonic sits above the tonic of its relative major (for spelling).
_RELATIVE_OFFSET: dict[str, int] = {
    "major": 0, "minor": 9, "harmonic minor": 9, "melodic minor": 9, "dorian": 2,
    "phrygian": 4, "lydian": 5, "mixolydian": 7, "locrian": 11, "major pentatonic": 0,
    "minor pentatonic": 9, "blues": 9,
}  # fmt: skip
_FLAT_MAJORS = frozenset({5, 10, 3, 8, 1})  # F Bb Eb Ab Db

ACCEPTED_KEYS = (
    "a tonic A-G with optional # or b, then a mode: " + ", ".join(MODES)
    + ' (or m, min, maj, aeolian, ionian, mixo, pentatonic), e.g. "D minor", "F# dorian", '
    '"Bb", "C#m"'
)
_KEY_RE = re.compile(r"\s*" + NOTE_PATTERN + r"(.*)$", re.DOTALL)


def mode_name(text: str) -> str:
    """The canonical mode name for a mode as typed ("Aeolian", "m", "mixo")."""
    words = re.sub(r"[\s_\-]+", " ", text).strip()
    if words == "M":
        return "major"
    words = words.lower()
    if words in MODES:
        return words
    if words in MODE_ALIASES:
        return MODE_ALIASES[words]
    raise TheoryError(f'unknown mode "{text}": use one of {", ".join(MODES)} (or m, maj, ...)')


def default_flats(tonic: int, mode: str) -> bool:
    """Whether a key is spelt with flats, from its key signature."""
    return (tonic - _RELATIVE_OFFSET[mode]) % 12 in _FLAT_MAJORS


@dataclass(frozen=True)
class Key:
    """A tonic pitch class (0 = C) and a mode name from ``MODES``."""

    tonic: int = 0
    mode: str = "major"
    flats: bool | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tonic", int(self.tonic) % 12)
        object.__setattr__(self, "mode", mode_name(self.mode))
        if self.flats is None:
            object.__setattr__(self, "flats", default_flats(self.tonic, self.mode))

    @classmethod
    def parse(cls, text: str | Key) -> Key:
        """Read "D minor", "F# dorian", "Bb", "C#m", ...; raise TheoryError otherwise."""
        if isinstance(text, Key):
            return text
        match = _KEY_RE.match(str(text))
        if match is None:
            raise TheoryError(f'unknown key "{text}": write {ACCEPTED_KEYS}')
        letter, accidentals, rest = match.groups()
        try:
            mode = mode_name(rest)
        except TheoryError:
            raise TheoryError(f'unknown key "{text}": write {ACCEPTED_KEYS}') from None
        flats = {"#": False, "♯": False, "b": True, "♭": True}.get(accidentals[:1])
        return cls(pitch_class_of(letter, accidentals), mode, flats)

    # scales --------------------------------------------------------------------------------
    @property
    def scale(self) -> tuple[int, ...]:
        """The scale's pitch classes, tonic first, in scale order."""
        return tuple((self.tonic + step) % 12 for step in MODES[self.mode])

    @property
    def mask(self) -> int:
        """The scale as a 12-bit pitch-class mask (bit 0 = C)."""
        return mask_of(self.scale)

    def contains(self, pitch: int) -> bool:
        """Whether a pitch class (or MIDI note) is in the scale."""
        return bool(self.mask >> (pitch % 12) & 1)

    def degree(self, number: int) -> int:
        """The pitch class of scale degree ``number`` (1 = tonic) of the parent 7-note scale."""
        steps = MODES[PARENT_MODE.get(self.mode, self.mode)]
        return (self.tonic + steps[(number - 1) % 7]) % 12

    @property
    def is_minor(self) -> bool:
        return self.mode in MINOR_LIKE

    # names ---------------------------------------------------------------------------------
    @property
    def tonic_name(self) -> str:
        return note_name(self.tonic, bool(self.flats))

    @property
    def name(self) -> str:
        return f"{self.tonic_name} {self.mode}"

    def __str__(self) -> str:
        return self.name

    def note_name(self, pc: int) -> str:
        """A pitch class spelt the way this key spells it."""
        return note_name(pc, bool(self.flats))

    # moving around -------------------------------------------------------------------------
    def fifth_up(self, steps: int = 1) -> Key:
        """The next key clockwise on the circle of fifths, same mode (C -> G)."""
        tonic = (self.tonic + 7 * steps) % 12
        return Key(tonic, self.mode)

    def fifth_down(self, steps: int = 1) -> Key:
        """The next key anticlockwise on the circle of fifths, same mode (C -> F)."""
        return self.fifth_up(-steps)

    def transpose(self, semitones: int) -> Key:
        return Key(self.tonic + semitones, self.mode)


def parse_key(text: str | Key) -> Key:
    """Read a key name; see the module docstring for what is accepted."""
    return Key.parse(text)


def scale_pitch_classes(tonic: str | int, mode: str = "major") -> tuple[int, ...]:
    """The pitch classes of a scale, tonic first: ``scale_pitch_classes("D", "dorian")``."""
    pc = pitch_class(tonic) if isinstance(tonic, str) else tonic
    return Key(pc, mode).scale


def circle_of_fifths(start: Key | str = "C", mode: str | None = None) -> tuple[Key, ...]:
    """The twelve keys clockwise from ``start`` (C G D A E B F# Db Ab Eb Bb F for C major)."""
    key = Key.parse(start)
    if mode is not None:
        key = Key(key.tonic, mode)
    return tuple(key.fifth_up(i) for i in range(12))
