"""Per-settings arrays, built once and cached, so a note costs a few vector additions.

``tables_for(settings, vocab)`` turns a ``SamplerSettings`` into everything ``choose`` reads:
pitch biases laid over vocabulary ids (index 0 = rest, always 0 here), contour rows per phrase
slot, temperatures, duration biases per bar position, velocity parts. The cache holds the
last ``CACHE_SIZE`` settings, so flipping back and forth between keys costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from musicai.live.encoding.grid import QUANTUM
from musicai.live.encoding.vocab import Vocabulary
from musicai.live.sampler import contour, phrase, pitch_bias, rhythm, velocity
from musicai.live.sampler.settings import SamplerSettings
from musicai.live.theory.chords import Numeral, default_progression, parse_numeral
from musicai.live.theory.keys import Key
from musicai.live.theory.meter import bar_levels

CACHE_SIZE = 64


@dataclass(frozen=True, eq=False)
class Tables:
    """Arrays over vocabulary pitch ids (n_pitches, 0 = rest) unless said otherwise."""

    hard: np.ndarray  # key + register penalties, not temperature-scaled
    in_key: tuple[bool, ...]
    chord_bonus: np.ndarray  # (chords, levels, n_pitches)
    chord_tone: tuple[tuple[bool, ...], ...]  # (chords, n_pitches)
    cadence_full: np.ndarray  # (chords, n_pitches)
    cadence_half: np.ndarray  # (chords, n_pitches)
    chord_masks: tuple[int, ...]
    chord_roots: tuple[int, ...]  # pitch class of each chord's root (sequences follow it)
    n_progression: int  # chords of the progression; after them: the cadence chords I and V
    chord_names: tuple[str, ...]
    numeral_names: tuple[str, ...]
    contour: np.ndarray  # (slots, 2 * span + 1) over intervals -span..span
    neutral: np.ndarray  # (2 * span + 1,): the size costs alone, used at the walls
    turn_low: int  # pitch ids at or past which a falling / rising direction gives way
    turn_high: int
    recovery: np.ndarray  # (2, 2 * span + 1)
    first_note: np.ndarray
    temperatures: tuple[float, ...]  # per slot (scalars read per note are plain Python)
    cadence_temperature: float
    directions: tuple[float, ...]  # per slot
    duration_bias: np.ndarray  # (kinds, bar positions, durations)
    durations: np.ndarray  # ticks per duration id
    levels: tuple[int, ...]  # beat level per bar position
    level_velocity: tuple[float, ...]  # per beat level
    height_velocity: tuple[float, ...]  # per pitch id
    fallback_ids: np.ndarray  # in key and in register, low to high
    span: int
    bar_ticks: int
    n_slots: int
    log_durations: np.ndarray  # log2 of the ticks per duration id (the density pull)
    recentre: np.ndarray  # (2, n_pitches): back into the register from the top / the bottom
    bar_unfit: np.ndarray  # (bar positions, durations): would tie over or leave an unfillable
    any_fit: np.ndarray  # (bar positions,): some duration fits (else the rule gives way)
    unfit_penalty: np.ndarray  # bar_unfit as 0 / -inf, added (cheaper than a masked write)
    duration_ids: dict[int, int]  # ticks -> duration id, for the grid's own durations
    low_id: int  # the register as pitch ids (restated pitches are kept inside it)
    high_id: int


FULL, HALF = 0, 1  # offsets after the progression of the cadence chords in every table


def cadence_numerals(key: Key) -> tuple[Numeral, Numeral]:
    """The chords a form's cadence bars sound over: the tonic chord (the key's own, as its
    default progression starts) and the dominant (major V in major and minor keys, the
    mode's own v in the other modes)."""
    tonic = default_progression(key)[0]
    dominant = "V" if key.mode in ("major", "minor", "harmonic minor", "melodic minor") else "v"
    return tonic, parse_numeral(dominant)


def _bar_unfit(durations: tuple[int, ...], bar_ticks: int) -> np.ndarray:
    """Durations that, started at each bar position, would cross the bar line or leave a
    remainder no duration of the vocabulary fills (20, 40 or 100 ticks): while a form plays
    bars stay whole."""
    starts = np.arange(0, bar_ticks, QUANTUM)[:, None]
    left = bar_ticks - (starts + np.asarray(durations)[None, :])
    return (left < 0) | ((left > 0) & (left < 120) & (left != 60) & (left != 80))


def _over_ids(values: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """Prepend the rest column to arrays whose last axis runs over the notes."""
    pad = np.full((*values.shape[:-1], 1), fill, dtype=values.dtype)
    return np.ascontiguousarray(np.concatenate([pad, values], axis=-1))


def tables_for(settings: SamplerSettings, vocab: Vocabulary) -> Tables:
    """Build (or fetch) the tables of one settings value for one vocabulary."""
    # Keys compare equal across spellings (F# == Gb); chord names do not, so key on both.
    return _build(settings, bool(settings.key.flats), vocab)


@lru_cache(maxsize=CACHE_SIZE)
def _build(settings: SamplerSettings, flats: bool, vocab: Vocabulary) -> Tables:
    pitches = np.arange(vocab.pitch_min, vocab.pitch_max + 1)
    low = min(max(settings.register_low, vocab.pitch_min), vocab.pitch_max - 1)
    high = max(min(settings.register_high, vocab.pitch_max), low + 1)
    key = settings.key
    chords = tuple(n.chord(key) for n in (*settings.numerals, *cadence_numerals(key)))
    hard = pitch_bias.key_penalty(pitches, key, settings.strictness) + (
        pitch_bias.register_penalty(pitches, low, high))
    in_key = pitch_bias.pitch_class_member(pitches, key.mask)
    span = len(pitches) - 1
    fallback = np.flatnonzero(in_key & (pitches >= low) & (pitches <= high)) + 1
    return Tables(
        hard=_over_ids(hard),
        in_key=tuple(_over_ids(in_key, False).tolist()),
        chord_bonus=_over_ids(np.stack([pitch_bias.chord_tone_bonus(pitches, c) for c in chords])),
        chord_tone=tuple(tuple(_over_ids(pitch_bias.pitch_class_member(pitches, c.mask),
                                         False).tolist()) for c in chords),
        cadence_full=_over_ids(np.stack([pitch_bias.cadence_targets(pitches, key, c)
                                         for c in chords])),
        cadence_half=_over_ids(np.stack([pitch_bias.half_cadence_targets(pitches, c)
                                         for c in chords])),
        chord_masks=tuple(c.mask for c in chords),
        chord_roots=tuple(c.root for c in chords),
        n_progression=len(settings.numerals),
        chord_names=tuple(c.name for c in chords),
        numeral_names=tuple(n.text for n in (*settings.numerals, *cadence_numerals(key))),
        contour=contour.contour_rows(phrase.direction_curve(settings), settings.contour * (
            contour.HOLD_GAIN if settings.recentre and settings.direction in ("up", "down")
            else 1.0), span),
        neutral=contour.contour_rows(np.zeros(1), 0.0, span)[0],
        turn_low=low + contour.WALL_ZONE - vocab.pitch_min + 1,
        turn_high=high - contour.WALL_ZONE - vocab.pitch_min + 1,
        recovery=contour.recovery_rows(span),
        first_note=_over_ids(contour.first_note_bias(pitches, low, high)),
        temperatures=tuple(phrase.temperature_curve(settings).tolist()),
        cadence_temperature=phrase.cadence_temperature(settings),
        directions=tuple(phrase.direction_curve(settings).tolist()),
        duration_bias=rhythm.duration_bias(vocab.durations, settings.beats_per_bar,
                                           settings.beat_ticks, settings.rhythm),
        durations=np.asarray(vocab.durations, dtype=np.int64),
        levels=tuple(bar_levels(settings.beats_per_bar, settings.beat_ticks, QUANTUM).tolist()),
        level_velocity=tuple(velocity.level_velocities(settings.velocity,
                                                       settings.accent).tolist()),
        height_velocity=tuple(_over_ids(velocity.height_velocities(pitches, low,
                                                                   high)).tolist()),
        fallback_ids=fallback if fallback.size else np.arange(1, len(pitches) + 1),
        span=span,
        bar_ticks=settings.bar_ticks,
        n_slots=phrase.n_slots(settings),
        log_durations=np.log2(np.asarray(vocab.durations, dtype=np.float64)),
        recentre=_over_ids(np.stack([contour.recentre_bias(pitches, low, high, top)
                                     for top in (True, False)])),
        bar_unfit=(unfit := _bar_unfit(vocab.durations, settings.bar_ticks)),
        any_fit=~unfit.all(axis=1),
        unfit_penalty=np.where(unfit, -np.inf, 0.0),
        duration_ids={int(d): i for i, d in enumerate(vocab.durations)},
        low_id=low - vocab.pitch_min + 1,
        high_id=high - vocab.pitch_min + 1,
    )
