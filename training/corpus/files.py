"""Atomic file writes for the corpus output: a file is either complete or absent.

Data goes to a hidden temp name in the destination folder (same file system, so
``os.replace`` is atomic), then is renamed. That guards against an interrupted or killed
process; ``durable=True`` adds an fsync for the one file where a power cut matters more than
speed (the manifest), not for each of 14,000 MIDI files. Temp names end in ``.tmp``,
never ``.mid``, so a reader globbing ``*.mid`` never sees a partial file; leftovers from a
killed run are removed by ``remove_stale_temps`` at the start of the next one.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

TEMP_SUFFIX = ".tmp"


def temp_name(dest: Path) -> Path:
    return dest.with_name(f".{dest.name}.{os.getpid()}{TEMP_SUFFIX}")


def write_atomic(dest: Path, data: bytes, durable: bool = False) -> None:
    """Write ``data`` to ``dest`` so that no reader ever sees it half-written."""
    tmp = temp_name(dest)
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def remove_stale_temps(folder: Path) -> int:
    """Delete temp files an interrupted run left in ``folder``; returns how many."""
    removed = 0
    for path in folder.glob(f".*{TEMP_SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed += 1
    return removed
