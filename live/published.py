"""Publishing a file only once it is whole: written beside it under a temporary name, then
renamed over it. A reader never sees half a file, an interrupted writer leaves the old file
(or none) and no temporary behind, and the published file gets the permissions ``open``
would give (``mkstemp`` makes 0600, which hides models and figures from other users)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def ordinary_mode(path: str | Path) -> None:
    """Give ``path`` the mode a plain ``open`` would have: 0666 less the umask."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)


@contextlib.contextmanager
def replacing(path: str | Path, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; publish it as ``path`` when the block ends
    normally, remove it when the block raises."""
    path = Path(path)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    temp = Path(name)
    try:
        yield temp
        ordinary_mode(temp)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def write_text(path: str | Path, text: str) -> None:
    with replacing(path) as temp:
        temp.write_text(text)
