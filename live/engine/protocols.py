"""What plugs into the engine: the sampler it steers and the jam (live input, MIDI clock).

Both are structural protocols, so the pure packages (``sampler``) never import the engine,
and the engine never imports the jam.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np


class Sampler(Protocol):
    def harmony_for(self, onset_tick: int) -> int: ...

    def choose(self, pitch_logits: np.ndarray, duration_logits: np.ndarray,
               onset_tick: int) -> Any: ...

    def apply(self, setting: str, value: object) -> None: ...

    def describe(self) -> dict: ...


class Jam(Protocol):
    """Live input and transport (``live/jam/controller.py``); every call comes from the engine
    thread."""

    settings: tuple[str, ...]  # Change settings the jam takes (e.g. "jam")

    def poll(self, now: float) -> list[list[int]]: ...  # drain input; messages to echo now

    def absorb(self) -> bool: ...  # commit the player's notes; True if any (re-predict)

    def turn(self, onset: int) -> int | None: ...  # where to play next; None: hold

    def apply(self, setting: str, value: object) -> None: ...

    def describe(self) -> dict: ...
