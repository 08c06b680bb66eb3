"""Per-set counts of a corpus run and the ``manifest.json`` that records them.

The manifest describes the folder, not just the last run: ``notes`` and ``chord_symbols``
cover every file of the set on disk (files skipped as already present are counted too), and
sets not named in this run keep their entry from the previous manifest.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from musicai.training.corpus.files import write_atomic
from musicai.training.corpus.sets import SETS

MANIFEST = "manifest.json"
FORMAT = 1


@dataclass
class SetStats:
    """Counts for one set; ``converted + skipped_existing + failed == selected``."""

    found: int = 0  # tunes in music21's corpus
    selected: int = 0  # after --limit
    limit: int | None = None
    converted: int = 0
    skipped_existing: int = 0
    failed: int = 0
    notes: int = 0  # melody/voice notes in this set's files on disk
    chord_symbols: int = 0
    seconds: float = 0.0  # wall time from the set's first task to its last result
    worker_seconds: float = 0.0  # per-tune wall time in the workers, summed
    slowest: list[tuple[str, float]] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)
    _started: float | None = None

    def start(self) -> None:
        if self._started is None:
            self._started = time.perf_counter()

    def stop(self) -> None:
        if self._started is not None:
            self.seconds = time.perf_counter() - self._started

    def record(self, status: str, tune_id: str, notes: int, chords: int, seconds: float,
               reason: str = "") -> None:
        if status == "failed":
            self.failed += 1
            self.failures.append({"id": tune_id, "reason": reason})
        else:
            self.converted += status == "converted"
            self.skipped_existing += status == "skipped"
            self.notes += notes
            self.chord_symbols += chords
        self.worker_seconds += seconds
        if status != "skipped":
            self.slowest = sorted([*self.slowest, (tune_id, seconds)], key=lambda x: -x[1])[:3]

    def to_json(self, set_name: str) -> dict:
        data = {k: v for k, v in asdict(self).items() if not k.startswith("_")}
        data["seconds"] = round(self.seconds, 2)
        data["worker_seconds"] = round(self.worker_seconds, 2)
        data["slowest"] = [{"id": i, "seconds": round(s, 2)} for i, s in self.slowest]
        corpus_set = SETS[set_name]
        return {"title": corpus_set.title, "music21_folder": corpus_set.folder,
                "program": corpus_set.program, **data, "provenance": corpus_set.provenance}


def write_manifest(out: Path, stats: dict[str, SetStats], music21_version: str) -> Path:
    """Merge this run's sets into ``out/manifest.json`` and write it atomically."""
    path = out / MANIFEST
    sets = _previous_sets(path)
    sets.update({name: s.to_json(name) for name, s in stats.items()})
    manifest = {
        "format": FORMAT,
        "generated_by": "musicai-data corpus",
        "written_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "music21_version": music21_version,
        "ticks_per_quarter": 480,
        "conventions": (
            "type-1 MIDI, 480 ticks/quarter; track 0 = conductor (title, source, tempo, "
            "time/key signatures); one track per part (bach: Soprano, Alto, Tenor, Bass; folk: "
            "Melody), own channel and program; 'Chords' track = held chord-symbol tones when "
            "the tune has chord symbols. Ties merged, grace notes dropped, repeats not expanded."
        ),
        "sets": {name: sets[name] for name in sorted(sets, key=_set_order)},
    }
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, text.encode("utf-8"), durable=True)
    return path


def _previous_sets(path: Path) -> dict[str, dict]:
    try:
        sets = json.loads(path.read_text(encoding="utf-8")).get("sets", {})
    except (OSError, ValueError, AttributeError):
        return {}
    return {k: v for k, v in sets.items() if k in SETS and isinstance(v, dict)}


def _set_order(name: str) -> int:
    return list(SETS).index(name)
