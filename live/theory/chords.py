"""Chords and Roman-numeral progressions, relative to a key.

A numeral names a scale degree of the key (``Key.degree``): "I" is the chord on the tonic,
"V" on the fifth degree. Its case gives the triad: upper case major, lower case minor; a
suffix changes it: ``°``/``o``/``dim`` diminished, ``+``/``aug`` augmented, ``ø`` half
diminished (a seventh chord), ``sus2``/``sus4`` suspended. After that come extensions: ``7``
(a minor seventh above the root; on a ° chord the diminished seventh), ``maj7``/``M7``/``Δ``
(a major seventh), ``9`` (seventh and ninth), ``add9``. An accidental before the numeral moves
its root a semitone from the key's degree: "bVII" in C major is Bb, "#iv°" is F#°. A slash
makes a secondary chord: "V/V" is the V of the key whose tonic is the V chord's root (major
when that chord is major, else minor), so "V/V" in C is D major and "V7/ii" is A7.

Numerals stay relative until a key realises them (``Numeral.chord(key)``), so a progression
follows the key when the key changes mid-performance. A progression is numerals joined by
``-`` (or spaces, commas, ``|``): "I-V-vi-IV", "ii7-V7-Imaj7", "i-VI-III-VII".

Default progressions per mode (``DEFAULT_PROGRESSIONS``): major and major pentatonic
I-V-vi-IV; minor and minor pentatonic i-VI-III-VII; harmonic minor i-iv-V-i; melodic minor
i-IV-V-i; dorian i-IV-i-VII; phrygian i-II-vii-i; lydian I-II-I-vii; mixolydian I-VII-IV-I;
locrian i°-II-V-II; blues the 12-bar blues I7-I7-I7-I7-IV7-IV7-I7-I7-V7-IV7-I7-V7. Each
default's chords lie in its mode's seven-note scale (the pentatonic scales leave some chord
tones out; the blues' major thirds clash with its minor third on purpose). A chord's name is
spelt like its key, except that a b/# numeral spells its root with flats/sharps ("bVII" = Bb).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from musicai.live.errors import TheoryError
from musicai.live.theory.keys import Key
from musicai.live.theory.notes import mask_of, note_name

TRIADS: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7), "min": (0, 3, 7), "dim": (0, 3, 6), "aug": (0, 4, 8),
    "hdim": (0, 3, 6), "sus2": (0, 2, 7), "sus4": (0, 5, 7),
}  # fmt: skip
_TRIAD_SUFFIX = {"maj": "", "min": "m", "dim": "°", "aug": "+", "hdim": "ø", "sus2": "sus2",
                 "sus4": "sus4"}

DEFAULT_PROGRESSIONS: dict[str, str] = {
    "major": "I-V-vi-IV", "major pentatonic": "I-V-vi-IV",
    "minor": "i-VI-III-VII", "minor pentatonic": "i-VI-III-VII",
    "harmonic minor": "i-iv-V-i", "melodic minor": "i-IV-V-i",
    "dorian": "i-IV-i-VII", "phrygian": "i-II-vii-i", "lydian": "I-II-I-vii",
    "mixolydian": "I-VII-IV-I", "locrian": "i°-II-V-II",
    "blues": "I7-I7-I7-I7-IV7-IV7-I7-I7-V7-IV7-I7-V7",
}  # fmt: skip

ACCEPTED_NUMERALS = (
    "Roman numerals I-VII (upper case major, lower case minor), optional b or # before, "
    "° o + ø sus2 sus4 after, then 7 maj7 9 add9, /X for secondary chords, joined by -, "
    'e.g. "I-V-vi-IV", "ii7-V7-Imaj7", "bVII", "V/V"'
)

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7}
_NUMERAL_RE = re.compile(
    r"(?P<acc>[b#♭♯]?)(?P<roman>VII|VI|V|IV|III|II|I|vii|vi|v|iv|iii|ii|i)"
    r"(?P<quality>°|o|dim|\+|aug|ø|sus2|sus4)?"
    r"(?P<ext>maj7|M7|Δ7|Δ|7|9|add9)?(?P<sus>sus2|sus4)?$"
)
_SPLIT_RE = re.compile(r"[\s,|–—-]+")
_QUALITY_MARKS = {"°": "dim", "o": "dim", "dim": "dim", "+": "aug", "aug": "aug", "ø": "hdim",
                  "sus2": "sus2", "sus4": "sus4"}
_MINOR_TRIADS = frozenset({"min", "dim", "hdim"})
_EXTENSIONS = {"maj7": "maj7", "M7": "maj7", "Δ7": "maj7", "Δ": "maj7", "7": "7", "9": "9",
               "add9": "add9"}


@dataclass(frozen=True)
class Chord:
    """A realised chord: root pitch class, intervals above it, and a printable name."""

    root: int
    intervals: tuple[int, ...]
    name: str

    @property
    def pitch_classes(self) -> tuple[int, ...]:
        return tuple((self.root + i) % 12 for i in self.intervals)

    @property
    def mask(self) -> int:
        """The chord as a 12-bit pitch-class mask: the harmony input of the models."""
        return mask_of(self.pitch_classes)

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Numeral:
    """One Roman-numeral chord, relative to whatever key realises it."""

    text: str
    degree: int  # 1..7
    shift: int  # semitones from the key's degree (b = -1, # = +1)
    quality: str  # a TRIADS name
    extension: str = ""  # "", "7", "maj7", "9", "add9"
    of: Numeral | None = None  # the target of a secondary chord ("V/V")

    def chord(self, key: Key) -> Chord:
        """The chord this numeral names in ``key``."""
        host = key
        if self.of is not None:
            target = self.of.chord(key)
            host = Key(target.root, "minor" if self.of.quality in _MINOR_TRIADS else "major",
                       key.flats)
        root = (host.degree(self.degree) + self.shift) % 12
        intervals = TRIADS[self.quality] + _extension_intervals(self.quality, self.extension)
        flats = bool(key.flats) if self.shift == 0 else self.shift < 0
        name = note_name(root, flats) + _suffix(self.quality, self.extension)
        return Chord(root, intervals, name)

    def __str__(self) -> str:
        return self.text


def _extension_intervals(quality: str, extension: str) -> tuple[int, ...]:
    if quality == "hdim" and extension in ("", "7"):
        return (10,)
    seventh = 9 if quality == "dim" else 10
    return {"": (), "7": (seventh,), "maj7": (11,), "9": (seventh, 14), "add9": (14,)}[extension]


def _suffix(quality: str, extension: str) -> str:
    if quality == "hdim":
        return "ø7"
    base = _TRIAD_SUFFIX[quality]
    if quality == "maj" and extension == "maj7":
        return "maj7"
    if quality.startswith("sus") and extension in ("7", "9"):
        return extension + quality
    return base + extension


def parse_numeral(text: str) -> Numeral:
    """Read one numeral ("V7", "bVII", "vii°", "V/V"); raise TheoryError otherwise."""
    head, _, target = text.strip().partition("/")
    match = _NUMERAL_RE.match(head)
    if match is None or not (match["roman"].isupper() or match["roman"].islower()):
        raise TheoryError(f'unknown chord "{text}": write {ACCEPTED_NUMERALS}')
    roman = match["roman"]
    mark = match["sus"] or match["quality"] or ""
    quality = _QUALITY_MARKS.get(mark, "maj" if roman.isupper() else "min")
    shift = {"": 0, "b": -1, "♭": -1, "#": 1, "♯": 1}[match["acc"]]
    of = parse_numeral(target) if target else None
    extension = _EXTENSIONS.get(match["ext"] or "", "")
    return Numeral(text.strip(), _ROMAN[roman.lower()], shift, quality, extension, of)


def parse_progression(text: str | Iterable[str | Numeral]) -> tuple[Numeral, ...]:
    """Read "I-V-vi-IV" (or a list of numerals) as a tuple of ``Numeral``."""
    tokens = [t for t in _SPLIT_RE.split(text) if t] if isinstance(text, str) else list(text)
    if not tokens:
        raise TheoryError(f'empty progression "{text}": write {ACCEPTED_NUMERALS}')
    out = []
    for token in tokens:
        if isinstance(token, Numeral):
            out.append(token)
            continue
        try:
            out.append(parse_numeral(str(token)))
        except TheoryError:
            raise TheoryError(
                f'unknown chord "{token}" in progression "{text}": write {ACCEPTED_NUMERALS}'
            ) from None
    return tuple(out)


def default_progression(key: Key | str) -> tuple[Numeral, ...]:
    """The progression a key gets when none is chosen (see ``DEFAULT_PROGRESSIONS``)."""
    return parse_progression(DEFAULT_PROGRESSIONS[Key.parse(key).mode])


def progression_chords(key: Key | str, progression: str | Iterable[str | Numeral] | None = None
                       ) -> tuple[Chord, ...]:
    """Realise a progression (default: the key's) as chords in ``key``."""
    key = Key.parse(key)
    numerals = default_progression(key) if progression is None else parse_progression(progression)
    return tuple(n.chord(key) for n in numerals)


def chord_mask(numeral: str | Numeral, key: Key | str) -> int:
    """The pitch-class mask of one numeral in a key: ``chord_mask("V7", "C")`` = G B D F."""
    n = numeral if isinstance(numeral, Numeral) else parse_numeral(numeral)
    return n.chord(Key.parse(key)).mask
