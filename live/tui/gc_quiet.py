"""The garbage collector while the screen is open: no long pauses in the UI.

A full (generation 2) collection walks every tracked object and holds the GIL throughout; with
Textual loaded that is hundreds of thousands of objects. Beside an engine thread in the same
process such pauses made note-ons 50-200 ms late (``bench/bench_tui_jitter.py``, the reason the
engine has a process of its own); in the screen's process they still stall repaints. Nothing
built before the performance (modules, the app, its widgets and styles) ever becomes garbage
that matters, so it is moved out of the collector's sight with ``gc.freeze``: collections then
walk only what was made since, and stay short. The engine process freezes its own start-up.
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
