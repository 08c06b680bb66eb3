"""``musicai-data corpus``: turn the corpora bundled in music21 into MIDI files for training.

Without internet the music21 package is our largest source of melodies (about 14,000 tunes),
but it parses ABC at ~13 tunes/s per core; so we convert once, in parallel, and cache the
result as plain MIDI that the ingestion reads like any other folder. The run is resumable
(present files are skipped), writes each file atomically, and goes on past bad tunes, naming
each one. See ``sets`` for ids and provenance, ``score_midi`` for the MIDI layout.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from musicai.training.corpus.sets import SETS, parse_set_names
from musicai.training.errors import UsageError

NEEDS_EXTRA = "musicai-data corpus needs the corpus extra: pip install 'musicai[corpus]'"


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``corpus`` on the ``musicai-data`` subcommands."""
    parser = commands.add_parser(
        "corpus",
        help="convert music21's bundled corpora (Bach chorales, folk tunes) into MIDI files",
        description="Convert the corpora bundled with music21 into type-1 MIDI files, "
        "OUT/<set>/<id>.mid, plus OUT/manifest.json. Resumable: present files are skipped.",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="output folder (created if needed)")
    parser.add_argument("--sets", default=",".join(SETS), metavar="LIST",
                        help=f"comma-separated sets (default: {','.join(SETS)})")
    parser.add_argument("--workers", type=_positive, default=os.cpu_count() or 1, metavar="N",
                        help="worker processes (default: all cores)")
    parser.add_argument("--limit", type=_positive, default=None, metavar="N",
                        help="at most N tunes per set (quick looks and tests)")
    parser.set_defaults(run=run)
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return value


def run(args: argparse.Namespace) -> int:
    """Convert the chosen sets; 0 when the run completed (bad tunes are reported, counted)."""
    try:
        import music21
        from music21 import common
    except ImportError:
        print(NEEDS_EXTRA, file=sys.stderr)
        return 2
    from musicai.training.corpus.batch import run_batch
    from musicai.training.corpus.files import remove_stale_temps
    from musicai.training.corpus.manifest import SetStats, write_manifest
    from musicai.training.corpus.sets import list_tunes
    from musicai.training.corpus.worker import Task
    from rich.console import Console

    names = parse_set_names(args.sets)
    out: Path = args.out
    root = Path(common.getCorpusFilePath())
    began = time.perf_counter()
    stats: dict[str, SetStats] = {}
    tasks: list[Task] = []
    for name in names:
        folder = _make_folder(out / name)
        remove_stale_temps(folder)
        tunes = list_tunes(SETS[name], root)
        chosen = tunes[: args.limit] if args.limit else tunes
        stats[name] = SetStats(found=len(tunes), selected=len(chosen), limit=args.limit)
        tasks += [Task(tune, str(folder / f"{tune.tune_id}.mid")) for tune in chosen]
    run_batch(tasks, min(args.workers, max(1, len(tasks))), stats, Console(stderr=True))
    manifest = write_manifest(out, stats, music21.__version__)
    _summary(stats, manifest, time.perf_counter() - began)
    return 0


def _make_folder(folder: Path) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"{folder}: cannot create the output folder "
                         f"({err.strerror or err}); pass another --out") from err
    return folder


def _summary(stats: dict, manifest: Path, seconds: float) -> None:
    for name, s in stats.items():
        print(f"{name:8} {s.selected:5d} tunes: {s.converted} converted, {s.skipped_existing} "
              f"already there, {s.failed} failed; {s.notes} notes, {s.chord_symbols} chord "
              f"symbols; {s.seconds:.1f} s")
    print(f"manifest: {manifest} ({seconds:.1f} s in all)")
