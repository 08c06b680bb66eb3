"""Naming the chord a player holds: MIDI notes -> a ``Chord`` whose tones are exactly them.

Chord following (``--chord-channel``, ``--split``) hands the sampler whatever the left hand
holds. The tones are the held pitch classes, whatever they are; only the root and the name are
guessed, from the templates below (a template's tones present count for the root, tones
missing or extra against it, and the bass note breaks ties), so that the take's markers and a
UI say "Am7" rather than a list of notes.
"""

from __future__ import annotations

from collections.abc import Iterable

from musicai.live.theory.chords import Chord
from musicai.live.theory.notes import note_name

#: (intervals above the root, name suffix), most common first (earlier wins a tie).
TEMPLATES: tuple[tuple[frozenset[int], str], ...] = tuple(
    (frozenset(intervals), suffix) for intervals, suffix in (
        ((0, 4, 7), ""), ((0, 3, 7), "m"), ((0, 4, 7, 10), "7"), ((0, 3, 7, 10), "m7"),
        ((0, 4, 7, 11), "maj7"), ((0, 3, 6), "°"), ((0, 3, 6, 10), "ø7"), ((0, 3, 6, 9), "°7"),
        ((0, 4, 8), "+"), ((0, 5, 7), "sus4"), ((0, 2, 7), "sus2"), ((0, 4, 7, 9), "6"),
        ((0, 3, 7, 9), "m6"), ((0, 7), "5"), ((0, 4), ""), ((0, 3), "m"), ((0,), ""),
    )
)
BASS_BONUS = 0.5


def held_chord(pitches: Iterable[int], flats: bool = False) -> Chord | None:
    """The chord of some held MIDI notes (None when nothing is held)."""
    notes = sorted(set(pitches))
    if not notes:
        return None
    classes = {p % 12 for p in notes}
    bass = notes[0] % 12
    best: tuple[float, int, str] | None = None
    for root in sorted(classes, key=lambda pc: (pc != bass, pc)):
        relative = frozenset((pc - root) % 12 for pc in classes)
        for template, suffix in TEMPLATES:
            score = (2.0 * len(template & relative) - len(relative - template)
                     - 1.5 * len(template - relative) + (BASS_BONUS if root == bass else 0.0))
            if best is None or score > best[0]:
                best = (score, root, suffix)
    _, root, suffix = best  # type: ignore[misc]
    name = note_name(root, flats) + suffix
    if bass != root:
        name += "/" + note_name(bass, flats)
    return Chord(root, tuple(sorted((pc - root) % 12 for pc in classes)), name)
