"""``musicai-data scan DIR``: what would training get from a folder of MIDI files?

Reads every ``*.mid``, ``*.midi``, ``*.kar`` and ``*.smf`` file under DIR (any letter case,
sub-folders included, hidden folders skipped, sorted order) with the same rules as training,
one file at a time, keeping only counts. Each file that cannot be read gets one line on
stderr, ``skip PATH: reason``; the summary goes to stdout. Exit status: 0 when at least one
file parsed, 1 when none did, 2 when DIR is not a folder.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from musicai.live.encoding.ingest import Piece, read_midi
from musicai.live.errors import MidiFileError
from musicai.training.errors import UsageError

MIDI_SUFFIXES = (".mid", ".midi", ".kar", ".smf")


@dataclass
class Tally:
    """Running totals; a scan keeps nothing else, so any number of files is fine."""

    found: int = 0
    parsed: int = 0
    skipped: int = 0
    melodies: int = 0
    events: int = 0
    ticks: int = 0

    def add(self, piece: Piece) -> None:
        self.parsed += 1
        self.melodies += len(piece.parts)
        for part in piece.parts:
            self.events += len(part.events)
            self.ticks += part.ticks

    def summary(self, folder: Path) -> str:
        return (f"scanned {folder}: {self.found:,} files, {self.parsed:,} parsed, "
                f"{self.skipped:,} skipped, {self.melodies:,} melodies, {self.events:,} events, "
                f"{self.ticks / 480:,.1f} quarters")


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "scan", help="read every MIDI file under a folder and count its melodies",
        description="Read every MIDI file under DIR with the training rules; list the files "
                    "that cannot be read and count melodies, events and quarter notes.")
    parser.add_argument("folder", metavar="DIR", type=Path, help="folder of MIDI files")
    parser.add_argument("--min-notes", type=_positive, default=8, metavar="N",
                        help="notes a part needs to count as a melody (default 8)")
    parser.add_argument("--quiet", action="store_true",
                        help="print only the summary: no progress bar, no skip lines")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    folder: Path = args.folder
    if not folder.exists():
        raise UsageError(f"{folder}: no such folder; give a folder of MIDI files")
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder; give a folder of MIDI files")
    quiet = bool(args.quiet)
    files = list(midi_files(folder, on_error=None if quiet else _say))
    tally = Tally(found=len(files))
    with _progress(len(files), enabled=not quiet and sys.stderr.isatty()) as (say, advance):
        for path in files:
            try:
                piece = read_midi(path, min_notes=args.min_notes)
            except MidiFileError as err:
                tally.skipped += 1
                if not quiet:
                    say(f"skip {path}: {err.reason}")
            except Exception as err:  # a bug must not end a batch: report it and go on
                tally.skipped += 1
                say(f"skip {path}: unexpected {type(err).__name__}: {err} (please report this)")
            else:
                tally.add(piece)
            advance()
    if not files and not quiet:
        _say(f"no MIDI files ({', '.join('*' + s for s in MIDI_SUFFIXES)}) under {folder}")
    print(tally.summary(folder))
    return 0 if tally.parsed else 1


def midi_files(folder: Path, on_error: Callable[[str], None] | None = None) -> Iterator[Path]:
    """MIDI files under ``folder`` in sorted order, skipping hidden folders."""
    def failed(err: OSError) -> None:
        if on_error:
            on_error(f"skip {err.filename}: cannot list this folder ({err.strerror or err})")

    for root, dirs, names in os.walk(folder, onerror=failed):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.lower().endswith(MIDI_SUFFIXES):
                yield Path(root) / name


def _say(line: str) -> None:
    print(line, file=sys.stderr)


@contextmanager
def _progress(total: int, *, enabled: bool
              ) -> Iterator[tuple[Callable[[str], None], Callable[[], None]]]:
    """(say, advance): a rich progress bar on stderr when it is a terminal, else plain lines."""
    if not enabled:
        yield _say, lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.text import Text

    console = Console(file=sys.stderr)
    with Progress(TextColumn("scanning"), BarColumn(), MofNCompleteColumn(), console=console,
                  transient=True) as bar:
        task = bar.add_task("scan", total=total)
        yield (lambda line: console.print(Text(line), soft_wrap=True),
               lambda: bar.advance(task))


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is below 1")
    return value
