"""Repetition: a hard cap on one pitch in a row, and a penalty on recently used n-grams.

Cap: once the same pitch has sounded ``max_repeats`` times in a row, it cannot be chosen
next. Rests in between do not break the run (a model stuck on one note cannot escape the
cap by resting).

N-grams: look at the last ``memory`` notes. Every earlier place where the last n-1 items
(pitches, or the intervals between notes when ``on`` is "interval", so a transposed motif
counts too) occurred is followed by some next item; continuing that way again would repeat an
n-gram, so the pitch that does so loses ``strength`` log units per earlier occurrence. Only
recent material is penalised: motifs can come back once they leave the memory.
"""

from __future__ import annotations

import itertools
from collections import Counter


def repeated_pitch(run_id: int, run_length: int, max_repeats: int) -> int:
    """The pitch id that the cap forbids next, or -1 when none is."""
    return run_id if run_length >= max_repeats else -1


def ngram_continuations(ids: list[int], n: int, memory: int, on: str) -> Counter[int]:
    """Pitch ids that would repeat an n-gram seen in the last ``memory`` notes, with counts."""
    window = ids[-memory:]
    if on == "pitch":
        return _continuations(window, n, 0)
    intervals = [b - a for a, b in itertools.pairwise(window)]
    return _continuations(intervals, n, window[-1] if window else 0)


def _continuations(items: list[int], n: int, base: int) -> Counter[int]:
    """Next items after earlier copies of the last n-1 items, shifted by ``base``."""
    found: Counter[int] = Counter()
    context = items[len(items) - n + 1:]
    if len(items) < n or not context:
        return found
    for i in range(len(items) - n + 1):
        if items[i:i + n - 1] == context:
            found[items[i + n - 1] + base] += 1
    return found
