"""The garbage collector while the screen is open: no long pauses next to the engine.

A full (generation 2) collection walks every tracked object and holds the GIL throughout; with
Textual loaded that is hundreds of thousands of objects, and on the 2-core reference machine
such a pause made the engine's note-ons 50-200 ms late (bench/bench_tui_jitter.py). Nothing
built before the performance (modules, the app, its widgets and styles) ever becomes garbage
that matters, so it is moved out of the collector's sight with ``gc.freeze``: collections then
walk only what was made since, and stay short.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def performing(enabled: bool = True) -> Iterator[None]:
    """Freeze what exists now (after one last full collection); unfreeze afterwards."""
    if not enabled:
        yield
        return
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def after_start() -> None:
    """Freeze again once the screen is up: its widgets, styles and caches were made since."""
    gc.freeze()
