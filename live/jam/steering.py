"""What the jam asks of the engine's settings: controller moves and key changes.

Changes go through the engine's command queue like any UI's (they land at their boundary,
show in the take as markers, and a bad one is reported, not raised). Two costs are kept off
the critical path: the sampler's tables for a new key, temperature or direction (about 6 ms to
build) are built here, at the top of a note, before the change is due; and controllers are
coalesced, the latest value per target sent at most every ``EVERY`` seconds, so a knob swept
through a hundred values costs a few table builds, not a hundred.
"""

from __future__ import annotations

import dataclasses

from musicai.live.engine.commands import Change
from musicai.live.errors import MusicAIError
from musicai.live.jam.cc_map import CCMap, value_for
from musicai.live.sampler.held_chord import tables_with
from musicai.live.theory.keys import Key

EVERY = 0.05  # seconds between two rounds of controller changes
PREWARMED = ("key", "temperature", "direction")


class Steering:
    def __init__(self, engine: object, theory: object, cc: CCMap | None) -> None:
        self.engine, self.theory, self.cc = engine, theory, cc
        self._values: dict[str, int] = {}
        self._sent_at = -EVERY

    def control(self, controller: int, value: int) -> None:
        """A controller moved (poll); only the latest value per target is kept."""
        target = self.cc.target(controller) if self.cc is not None else None
        if target is not None:
            self._values[target] = value

    def flush(self, now: float) -> None:
        if not self._values or now - self._sent_at < EVERY:
            return
        self._sent_at = now
        key = self.key or Key(0)
        for target, value in self._values.items():
            self.change(*value_for(target, value, key))
        self._values.clear()

    @property
    def key(self) -> Key | None:
        settings = getattr(self.theory, "settings", None)
        return None if settings is None else settings.key

    def change(self, setting: str, value: object, when: str = "note") -> None:
        self.prewarm(setting, value)
        self.engine.send(Change(setting, value, when))

    def prewarm(self, setting: str, value: object) -> None:
        """Build (and cache) the sampler tables the change will need."""
        theory = self.theory
        if setting not in PREWARMED or not hasattr(theory, "settings"):
            return
        try:
            settings = dataclasses.replace(theory.settings, **{setting: value})
            tables_with(settings, theory.vocab, theory.held_chord)
        except (MusicAIError, ValueError, TypeError):
            pass  # the change itself will report it
