"""What a UI, a script or a controller can ask of the running engine.

Commands go into the engine's queue from any thread and never block. A ``Change`` lands at
a boundary: the next note (``note``, the default), the next beat, the next bar line or the next
phrase start; an ``Action`` happens at once.
"""

from __future__ import annotations

from dataclasses import dataclass

WHEN = ("note", "beat", "bar", "phrase")

ACTIONS = ("panic", "stop", "release")  # release: the engine's own notes off, no CCs


@dataclass(frozen=True)
class Change:
    setting: str
    value: object
    when: str = "note"

    def __post_init__(self) -> None:
        if self.when not in WHEN:
            raise ValueError(f"unknown boundary {self.when!r}; use one of {', '.join(WHEN)}")


@dataclass(frozen=True)
class Action:
    name: str

    def __post_init__(self) -> None:
        if self.name not in ACTIONS:
            raise ValueError(f"unknown action {self.name!r}; use one of {', '.join(ACTIONS)}")


Command = Change | Action
