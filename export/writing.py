"""Publishing a file only once it is whole and checked: temp name beside it, then os.replace."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from musicai.export.errors import UsageError
from musicai.live.published import ordinary_mode


def replace_atomically(out: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temp file in ``out``'s folder; publish it as ``out`` only if
    ``write`` returns. On any failure (or Ctrl-C) the temp file is removed and ``out`` is
    untouched."""
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    except OSError as err:
        raise UsageError(f"{out}: cannot write there ({err.strerror or err}); "
                         f"choose another --out") from err
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        ordinary_mode(tmp)  # mkstemp makes 0600; a model is an ordinary file
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out
