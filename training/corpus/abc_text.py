"""ABC text handling for the corpus converter: split a tune book, clean a tune's annotations.

Splitting here (one pass over the file in the parent process) lets each worker parse a single
tune from its own text instead of re-reading a 1,000-tune book. The split follows music21's
``ABCFile.extractReferenceNumber``: a tune runs from its ``X:`` line to the next ``X:`` line.

Cleaning exists because music21 10.5 reads *every* quoted string in a tune body as a chord
symbol. Fingerings ("4"), dynamics ("f"), "D.C." and accent marks (">") then either become
bogus chords ("f" -> F major) or, for ">", make music21 drop the note the mark is attached to.
Only strings that look like real chord symbols survive.
"""

from __future__ import annotations

import re

_FIELD_LINE = re.compile(r"^\s*[A-Za-z+]:")
_QUOTED = re.compile(r'"[^"]*"')
#: A chord symbol as ABC tune books write them: root, accidental, quality, extensions, bass.
CHORD_SYMBOL = re.compile(
    r"[A-G][#b]?"
    r"(?:m|min|maj|M|dim|aug|sus|add|o|\+|[0-9]|[#b](?=[0-9])|\(|\))*"
    r"(?:/[A-G][#b]?)?"
)


def reference_number(line: str) -> int | None:
    """The tune number of an ``X:`` line, or None when the line is not one."""
    text = line.strip()
    if not text.startswith("X:"):
        return None
    try:
        return int(text[2:].strip())
    except ValueError:
        return None


def split_tunes(text: str) -> list[tuple[int, str]]:
    """Every ``(X number, tune text)`` of a tune book, in file order."""
    tunes: list[tuple[int, list[str]]] = []
    for line in text.split("\n"):
        if line.strip().startswith("X:"):
            number = reference_number(line)
            if number is not None:
                tunes.append((number, [line]))
                continue
        if tunes:
            tunes[-1][1].append(line)
    return [(number, "\n".join(lines)) for number, lines in tunes]


#: music21's spellings of "no chord here" (they end the previous chord).
NO_CHORD = frozenset({"NC", "N.C.", "No Chord", "None"})


def is_chord_symbol(quoted: str) -> bool:
    """True for ``"Am"``, ``"G7/B"``, ``"N.C."``; False for ``"4"``, ``">"``, ``"f"``."""
    text = quoted.strip('"').strip()
    return text in NO_CHORD or CHORD_SYMBOL.fullmatch(text) is not None


def strip_annotations(tune: str) -> str:
    """The tune with every quoted string in its music lines removed unless it is a chord."""
    return "\n".join(
        line if _FIELD_LINE.match(line) or line.lstrip().startswith("%") else _clean(line)
        for line in tune.split("\n")
    )


def _clean(line: str) -> str:
    return _QUOTED.sub(lambda m: m.group(0) if is_chord_symbol(m.group(0)) else "", line)
