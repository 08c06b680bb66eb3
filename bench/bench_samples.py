"""Raw benchmark samples for the results figures (``musicai-eval`` draws their histograms).

Opt-in: a benchmark keeps nothing unless ``--samples FILE`` is given or
``$MUSICAI_BENCH_SAMPLES`` names a file (``MUSICAI_BENCH_SAMPLES=results/bench-samples.npz
make bench``). Every benchmark adds its named arrays (seconds per call or per note) to the
same ``.npz``; a name written again replaces the old array. The file is rewritten under a
temporary name and renamed, so a crash never leaves half of it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from musicai.live.published import replacing

ENV = "MUSICAI_BENCH_SAMPLES"


def samples_path(given: Path | None = None) -> Path | None:
    """``--samples`` when given, else ``$MUSICAI_BENCH_SAMPLES``, else None (keep nothing)."""
    if given is not None:
        return Path(given)
    env = os.environ.get(ENV, "").strip()
    return Path(env) if env else None


def keep(name: str, seconds: Iterable[float], path: Path | None = None) -> None:
    """Add (or replace) one named array of seconds in the samples file, if one is set."""
    target = samples_path(path)
    if target is None:
        return
    arrays: dict[str, np.ndarray] = {}
    try:
        with np.load(target, allow_pickle=False) as old:
            arrays = {k: old[k] for k in old.files}
    except (OSError, ValueError, EOFError):
        pass  # no file yet (or an unreadable one): start afresh
    arrays[name] = np.asarray(list(seconds), dtype=np.float64)
    target.parent.mkdir(parents=True, exist_ok=True)
    with replacing(target, ".npz.tmp") as temp, open(temp, "wb") as out:
        np.savez(out, **arrays)


if __name__ == "__main__":  # `make bench` runs every bench/*.py: say what this one is
    target = samples_path()
    print(f"bench_samples: a helper, not a benchmark; raw samples go to "
          f"{target if target else f'nowhere (set ${ENV} to keep them)'}")
