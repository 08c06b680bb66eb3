"""The sampler's chord rows for a chord the player holds, standing in for the progression.

``TheorySampler.hold_chord`` swaps its cached ``Tables`` for a copy whose chord rows (mask,
chord-tone bonus by beat level, chord tones, cadence targets, names) hold one chord only, so
``chord_index`` is 0 and everything that reads a chord reads the held one. The copy shares
every other array with the progression's tables and is cached per (settings, chord): a few
small vector operations the first time, nothing after; releasing the chord restores the
progression's tables as they were. A held chord's tones get ``HELD_GAIN`` (1.5) times the
progression's chord-tone bonus: the player says which chord it is, a restated bar follows it.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

import numpy as np
from musicai.live.encoding.vocab import Vocabulary
from musicai.live.sampler import pitch_bias
from musicai.live.sampler.settings import SamplerSettings
from musicai.live.sampler.tables import Tables, tables_for
from musicai.live.theory.chords import Chord

CACHE_SIZE = 128
HELD_GAIN = 1.5  # a chord the player holds is explicit: its tones weigh half again as much


def _with_rest(values: np.ndarray, fill: float | bool = 0.0) -> np.ndarray:
    """Prepend the rest column (vocabulary id 0) along the last axis."""
    pad = np.full((*values.shape[:-1], 1), fill, dtype=values.dtype)
    return np.ascontiguousarray(np.concatenate([pad, values], axis=-1))


def tables_with(settings: SamplerSettings, vocab: Vocabulary, chord: Chord | None) -> Tables:
    """The tables for ``settings``; with ``chord``, that chord replaces the progression."""
    if chord is None:
        return tables_for(settings, vocab)
    return _held(settings, bool(settings.key.flats), vocab, chord)


@lru_cache(maxsize=CACHE_SIZE)
def _held(settings: SamplerSettings, flats: bool, vocab: Vocabulary, chord: Chord) -> Tables:
    base = tables_for(settings, vocab)
    pitches = np.arange(vocab.pitch_min, vocab.pitch_max + 1)
    tones = pitch_bias.pitch_class_member(pitches, chord.mask)
    return dataclasses.replace(
        base,
        chord_bonus=_with_rest(HELD_GAIN * pitch_bias.chord_tone_bonus(pitches, chord)[None]),
        chord_tone=(tuple(_with_rest(tones, False).tolist()),),
        cadence_full=_with_rest(pitch_bias.cadence_targets(pitches, settings.key, chord)[None]),
        cadence_half=_with_rest(pitch_bias.half_cadence_targets(pitches, chord)[None]),
        chord_masks=(chord.mask,),
        chord_roots=(chord.root,),
        n_progression=1,
        chord_names=(chord.name,),
        numeral_names=("held",),
    )
