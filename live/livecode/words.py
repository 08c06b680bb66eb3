"""What the live-coding language is made of: tokens, the context relative commands start
from, and the error a bad statement raises (caught in ``language.parse``, never leaves it)."""

from __future__ import annotations

from dataclasses import dataclass

from musicai.live.sampler.settings import SamplerSettings
from musicai.live.theory.keys import Key

Token = tuple[str, int]  # (text, 1-based column)
DEFAULTS = SamplerSettings()


@dataclass(frozen=True)
class Context:
    """Where relative commands start from (the engine's current values)."""

    key: Key = DEFAULTS.key
    temperature: float = 1.0
    bpm: float = 120.0
    muted: bool = False
    direction: str = "auto"
    form: str = DEFAULTS.form
    repeat: float = DEFAULTS.repeat
    density: float = DEFAULTS.density
    style: str = ""  # the model's style ("" until one is chosen)




class BadStatement(Exception):
    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.message, self.column = message, column


