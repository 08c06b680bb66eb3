"""The chord hand: notes on ``--chord-channel`` or below ``--split`` hold a chord.

Pressing keys sets the chord to what is held; lifting some fingers keeps it (a hand moving
between chords lifts before it presses); lifting all of them lets the progression back. A
shape counts once it has stayed the same for ``SETTLE`` seconds, because a chord's notes come
some milliseconds apart and each partial chord would otherwise be sent (and marked in the
take) on its own.
"""

from __future__ import annotations

SETTLE = 0.03  # seconds


class ChordHand:
    def __init__(self, channel: int | None = None, split: int | None = None) -> None:
        self.channel = channel  # 0..15
        self.split = split  # MIDI note
        self._held: dict[tuple[int, int], int] = {}  # (channel, pitch) -> pitch
        self._shape: frozenset[int] = frozenset()
        self._sent: frozenset[int] = frozenset()
        self._at = 0.0

    def owns(self, channel: int, pitch: int) -> bool:
        return channel == self.channel or (self.split is not None and pitch < self.split)

    def note(self, on: bool, channel: int, pitch: int, when: float) -> None:
        if on:
            self._held[(channel, pitch)] = pitch
        else:
            self._held.pop((channel, pitch), None)
        if on or not self._held:
            self._shape, self._at = frozenset(self._held.values()), when

    def let_go(self, when: float) -> None:
        """Every key up at once (the port was lost)."""
        self._held.clear()
        self._shape, self._at = frozenset(), when

    def settled(self, now: float) -> frozenset[int] | None:
        """The new shape (empty: released) once it has settled; None when nothing changed."""
        if self._shape == self._sent or now - self._at < SETTLE:
            return None
        self._sent = self._shape
        return self._shape
