"""Hearing the player's key: Krumhansl–Schmuckler over their recent notes, with restraint.

``follow`` mode asks every ``every`` new notes, over the last ``window`` of them; the
call-and-response mode asks once per call, over the call. Either way a key is only proposed
when the estimate is confident (correlation at least ``confident``), rests on enough notes,
and differs from the key in use by tonic or by major/minor: a player in D dorian whose notes
read as "D minor" keeps their dorian (the estimate only knows major and natural minor).
"""

from __future__ import annotations

from collections import deque

from musicai.live.theory.estimate import estimate_key
from musicai.live.theory.keys import Key

WINDOW = 24
EVERY = 4
CONFIDENT = 0.7
MIN_NOTES = 6  # follow mode; a call may be shorter
MIN_CALL = 3


def same_key(a: Key, b: Key) -> bool:
    return a.tonic == b.tonic and a.is_minor == b.is_minor


class KeyEar:
    def __init__(self, window: int = WINDOW, every: int = EVERY,
                 confident: float = CONFIDENT) -> None:
        self.window, self.every, self.confident = window, every, confident
        self._recent: deque[tuple[int, int]] = deque(maxlen=window)
        self._call: list[tuple[int, int]] = []
        self._new = 0
        self.last: Key | None = None  # the last key proposed

    def hear(self, pitch: int, duration: int) -> None:
        self._recent.append((pitch, duration))
        self._call.append((pitch, duration))
        self._new += 1

    def new_call(self) -> None:
        self._call = []

    def follow(self, current: Key) -> Key | None:
        """A new key for follow mode, or None (not yet, not sure, or no change)."""
        if self._new < self.every or len(self._recent) < MIN_NOTES:
            return None
        self._new = 0
        return self._propose(list(self._recent), current)

    def of_call(self, current: Key) -> Key | None:
        """The call's key when it is clear and not the current one."""
        if len(self._call) < MIN_CALL:
            return None
        return self._propose(self._call, current)

    def _propose(self, notes: list[tuple[int, int]], current: Key) -> Key | None:
        estimate = estimate_key([p for p, _ in notes], [d for _, d in notes])
        if estimate is None or estimate.correlation < self.confident:
            return None
        if same_key(estimate.key, current):
            return None
        self.last = estimate.key
        return estimate.key
