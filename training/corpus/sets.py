"""The five music21 corpora we train on: where they live, what they are, and their tunes.

A ``Tune`` is the unit of work: one chorale file or one tune cut out of an ABC book, small
enough that two worker processes stay evenly busy. Its id is stable across runs and music21
installs of the same version, so an output file name says where it came from:
``bach/bwv66.6`` (the corpus file stem) or ``essen/altdeu10-42`` (book stem and ``X:`` number,
music21's own naming, as in ``corpus.parse('essenFolksong/altdeu10', number=42)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from musicai.training.corpus.abc_text import split_tunes
from musicai.training.errors import UsageError

_PD_PRINT = "The printed source is long out of copyright (public domain in the US and EU). "
_M21 = (
    "Shipped inside the music21 package; music21/corpus/license.txt: the corpus is "
    "'distributed with the permission of the encoders' and 'Some encodings included in the "
    "corpus may not be used for commercial uses or have other restrictions'."
)


@dataclass(frozen=True)
class CorpusSet:
    """One corpus: CLI name, music21 folder, GM program for its parts, provenance note."""

    name: str
    folder: str
    title: str
    program: int
    provenance: str

    @property
    def is_abc(self) -> bool:
        return self.name != "bach"


SETS: dict[str, CorpusSet] = {
    s.name: s
    for s in (
        CorpusSet(
            "bach", "bach", "J. S. Bach, four-part chorales", 52,
            "Chorale harmonizations by Johann Sebastian Bach (1685-1750); the music is public "
            "domain. MusicXML encodings made by various encoders (Finale, MuseScore, "
            "music21 exports); music21's corpus.chorales credits Margaret Greentree "
            "(formerly jsbchorales.net) for the list of chorales in the corpus. " + _M21,
        ),
        CorpusSet(
            "essen", "essenFolksong", "Essen Folksong Collection (EsAC)", 53,
            "Folk songs from the Essen Associative Code (EsAC) database, encoded under Helmut "
            "Schaffrath and continued by Ewa Dahlig-Turek, converted to ABC by Seymour Shlien. "
            "music21's essenFolksong/license.txt: 'The legal status of the Essen folksong "
            "database is unclear'; Dahlig-Turek gave permission for NON-COMMERCIAL "
            "distribution and use in music21. Not public domain: treat as non-commercial use only. "
            + _M21,
        ),
        CorpusSet(
            "oneills", "oneills1850", "O'Neill's Music of Ireland (1850 melodies)", 40,
            "Francis O'Neill, 'O'Neill's Music of Ireland' (Chicago, 1903), whose 1850 "
            "melodies give the name. music21's files hold 2,009 tunes: 1,838 distinct O'Neill "
            "numbers, 171 of them in two transcriptions (overlapping files). " + _PD_PRINT
            + "The ABC transcriptions are by named volunteers (Z: lines: Henrik Norbeck, "
            "Bob Safranek, John Chambers, ...), who may hold rights in their transcriptions. "
            + _M21,
        ),
        CorpusSet(
            "ryans", "ryansMammoth", "Ryan's Mammoth Collection (1883)", 40,
            "William Bradbury Ryan, 'Ryan's Mammoth Collection' of fiddle tunes (Boston: "
            "Elias Howe, 1883; some files cite its 1940 reprint, Cole's 1000 Fiddle Tunes). "
            + _PD_PRINT + "ABC transcriptions contributed by volunteers (Z: lines: Ray Davies, "
            "Bob Puckette, John Walsh, ...). " + _M21,
        ),
        CorpusSet(
            "airds", "airdsAirs", "Aird's Airs (Glasgow, six volumes)", 73,
            "James Aird, 'A Selection of Scotch, English, Irish and Foreign Airs adapted to the "
            "Fife, Violin, or German-Flute' (Glasgow, six volumes, 1778 onwards). " + _PD_PRINT
            + "ABC transcriptions by Jack Campin (Z: line of every tune, 2009). " + _M21,
        ),
    )
}  # fmt: skip

#: Files in music21's bach folder that are not four-part chorales: the C major prelude of
#: the Well-Tempered Clavier (keyboard). The Roman-numeral analyses (.rntxt) are skipped by
#: extension.
NOT_CHORALES = frozenset({"bwv846"})
#: When one chorale comes in several encodings, the first extension here wins.
SCORE_EXTENSIONS = (".mxl", ".xml", ".musicxml", ".krn")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Tune:
    """One unit of work: a chorale file (``path``) or one ABC tune's text (``abc``)."""

    set_name: str
    tune_id: str
    source: str  # corpus-relative, e.g. "essenFolksong/altdeu10.abc X:42"
    path: str | None = None
    abc: str | None = None


def parse_set_names(text: str) -> list[str]:
    """``"bach,essen"`` -> ``["bach", "essen"]``; an unknown name is a UsageError."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in SETS]
    if unknown or not names:
        raise UsageError(
            f"unknown corpus set {', '.join(map(repr, unknown)) or '(none given)'}; "
            f"choose from {','.join(SETS)}"
        )
    return list(dict.fromkeys(names))


def list_tunes(corpus_set: CorpusSet, corpus_root: Path) -> list[Tune]:
    """Every tune of a set in a fixed order (file name, then position in the file)."""
    folder = corpus_root / corpus_set.folder
    if not folder.is_dir():
        raise UsageError(f"{folder}: music21's {corpus_set.folder} corpus folder is missing")
    if corpus_set.is_abc:
        return [tune for path in sorted(folder.glob("*.abc")) for tune in _abc_tunes(
            corpus_set.name, path, corpus_root)]
    return _chorales(folder, corpus_root)


def _abc_tunes(set_name: str, path: Path, root: Path) -> list[Tune]:
    text = path.read_text(encoding="utf-8", errors="replace")
    rel = path.relative_to(root).as_posix()
    return [
        Tune(set_name, safe_id(f"{path.stem}-{number}"), f"{rel} X:{number}", abc=tune)
        for number, tune in split_tunes(text)
    ]


def _chorales(folder: Path, root: Path) -> list[Tune]:
    best: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        ext = path.suffix.lower()
        if ext not in SCORE_EXTENSIONS or path.stem in NOT_CHORALES:
            continue
        held = best.get(path.stem)
        if held is None or SCORE_EXTENSIONS.index(ext) < SCORE_EXTENSIONS.index(held.suffix):
            best[path.stem] = path
    return [
        Tune("bach", safe_id(stem), path.relative_to(root).as_posix(), path=str(path))
        for stem, path in sorted(best.items())
    ]


def safe_id(text: str) -> str:
    """A file-name-safe id: anything but letters, digits, ``.``, ``_``, ``-`` becomes ``_``."""
    return _UNSAFE.sub("_", text).strip("._") or "tune"
