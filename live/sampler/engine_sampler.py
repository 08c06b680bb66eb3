"""The engine's ``Sampler`` protocol over the theory sampler: ``apply`` and ``describe``.

``TheorySampler`` already has ``harmony_for`` and ``choose``; the engine also needs to change
one setting by name (a ``Change`` command) and to read a small dict for snapshots and phrase
boundaries. Both are thin: a setting goes through ``TheorySampler.update`` (which validates
it and rebuilds the cached tables once), and ``describe`` reads cached values only.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from musicai.live.errors import SamplerError
from musicai.live.sampler import phrase
from musicai.live.sampler.settings import SamplerSettings
from musicai.live.sampler.theory_sampler import Choice, TheorySampler

SETTINGS = tuple(f.name for f in dataclasses.fields(SamplerSettings))


class EngineSampler:
    """What the engine holds: the theory sampler plus settings by name and a description."""

    def __init__(self, sampler: TheorySampler) -> None:
        self.sampler = sampler

    def harmony_for(self, onset_tick: int) -> int:
        return self.sampler.harmony_for(onset_tick)

    def chord_name_for(self, onset_tick: int) -> str:
        return self.sampler.chord_name_for(onset_tick)

    def choose(self, pitch_logits: np.ndarray, duration_logits: np.ndarray,
               onset_tick: int) -> Choice:
        return self.sampler.choose(pitch_logits, duration_logits, onset_tick)

    def apply(self, setting: str, value: object) -> None:
        if setting not in SETTINGS:
            raise SamplerError(f"unknown setting {setting!r}; use one of {', '.join(SETTINGS)}")
        self.sampler.update(**{setting: value})

    def describe(self) -> dict:
        """Cached values only (it runs once per note on the engine thread); ``chord_index``,
        ``phrase_slot`` and ``phrase_slots`` place the next note for a UI."""
        s, state = self.sampler.settings, self.sampler.state
        return {
            "key": s.key.name,
            "progression": "-".join(str(n) for n in s.numerals),
            "chord": self.sampler.chord_name_for(state.next_onset),
            "chord_index": self.sampler.chord_index(state.next_onset),
            "direction": s.direction,
            "temperature": s.temperature,
            "strictness": s.strictness,
            "phrase_start": phrase.starts_phrase(s, state, state.next_onset),
            "phrase_slot": phrase.locate(s, state, state.next_onset)[0],
            "phrase_slots": phrase.n_slots(s),
            "form": s.form,
            "form_letter": state.plan.letter,
            "restating": state.plan.kind,
            "repeat": s.repeat,
            "density": s.density,
            "loop": s.loop,
            "mutate": s.mutate,
        }
