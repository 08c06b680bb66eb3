"""The stateful theory sampler: (model logits, state) -> next note.

For each event the engine asks ``harmony_for()`` for the chord mask the model needs as input,
runs the model, and hands its pitch logits (rest + notes) and duration logits to ``choose``.
Logits may be None (theory-only mode: every note then comes from the rules below).

One event, in order:

0. rest or note? from the rest probability and the hard rest rules (``rests``);
1. pitch logits = (model + chord tones by beat level + contour by interval + cadence target)
   / temperature, where the temperature follows the phrase (``phrase``);
2. + key penalty by strictness + register walls (``pitch_bias``), not temperature-scaled;
3. the repetition cap and the n-gram penalty (``repetition``);
4. sample the pitch with the seeded generator; then the duration: (model + rhythm bias for
   a note, a cadence note or a rest at this place in the bar) / temperature, the phrase
   temperature capped at the base one (rhythm never gets warmer than asked; ``rhythm``);
5. velocity from beat level, height and cadence, humanised (``velocity``).

Settings change between any two notes (``settings = ...`` or ``update(...)``): the tables for
the new value are built once and cached, and the state (phrase position, history, RNG) goes
on, so a key change lands on the very next note. Five uniform numbers are drawn per event,
whatever happens, so the same seed, settings and logits always give the same notes.
"""

from __future__ import annotations

import dataclasses
import math
from typing import NamedTuple

import numpy as np
from musicai.live.encoding.grid import QUANTUM
from musicai.live.encoding.vocab import Vocabulary
from musicai.live.errors import SamplerError
from musicai.live.sampler import phrase
from musicai.live.sampler.held_chord import tables_with
from musicai.live.sampler.repetition import ngram_continuations, repeated_pitch
from musicai.live.sampler.rests import rest_allowed, rest_probability
from musicai.live.sampler.rhythm import CADENCE, NOTE, PHRASE_END_BONUS, REST
from musicai.live.sampler.settings import SamplerSettings
from musicai.live.sampler.state import SamplerState
from musicai.live.sampler.tables import Tables
from musicai.live.sampler.velocity import velocity
from musicai.live.theory.chords import Chord
from musicai.live.theory.meter import LEVELS

LEAP = 5  # semitones: an interval this large earns a step back (contour.RECOVERY)
DRAWS = 5  # uniforms per event: pitch, duration, cadence kind, two for velocity jitter


class Explanation(NamedTuple):
    """Why a note came out as it did, for UIs; built from cached values, no formatting."""

    chord: str  # chord sounding at the onset, e.g. "G7"
    numeral: str  # its numeral, e.g. "V7"
    phrase_pos: int  # slot in the phrase (note index, or beat when phrases are in bars)
    phrase_len: int  # slots per phrase
    temperature: float  # effective temperature used
    cadence: bool  # this note is the phrase's cadence
    beat: str  # meter level name: downbeat, strong, beat, offbeat, weak
    direction: float  # contour direction used, -1 falling .. +1 rising
    in_key: bool
    chord_tone: bool


class Choice(NamedTuple):
    """The next event: pitch (None = rest), duration and velocity, plus model-side ids."""

    pitch: int | None
    duration: int  # ticks
    velocity: int  # 1..127, 0 for a rest
    onset: int  # tick
    pitch_id: int  # vocabulary ids, to feed back into the model
    duration_id: int
    harmony: int  # 12-bit mask of the chord under the event
    why: Explanation

    @property
    def is_rest(self) -> bool:
        return self.pitch is None


class TheorySampler:
    """Turns model logits into notes under the current ``SamplerSettings``."""

    def __init__(self, settings: SamplerSettings | None = None, vocab: Vocabulary | None = None,
                 seed: int | None = None, state: SamplerState | None = None) -> None:
        self.vocab = vocab if vocab is not None else Vocabulary()
        self.state = state if state is not None else SamplerState.seeded(seed)
        self._held: Chord | None = None
        self.settings = settings if settings is not None else SamplerSettings()

    # settings ------------------------------------------------------------------------------
    @property
    def settings(self) -> SamplerSettings:
        return self._settings

    @settings.setter
    def settings(self, value: SamplerSettings) -> None:
        self._tables: Tables = tables_with(value, self.vocab, self._held)
        self._settings = value
        self._min_duration = int(self._tables.durations.min())
        self._n_pitches = self.vocab.n_pitches

    def update(self, **changes: object) -> SamplerSettings:
        """Replace some settings fields from the next note on; returns the new settings."""
        self.settings = dataclasses.replace(self._settings, **changes)  # type: ignore[arg-type]
        return self._settings

    @property
    def held_chord(self) -> Chord | None:
        return self._held

    def hold_chord(self, chord: Chord | None) -> None:
        """A chord the player holds stands in for the progression from the next note on
        (``harmony_for``, chord tones, cadences); None goes back to the progression."""
        self._held = chord
        self.settings = self._settings

    # harmony -------------------------------------------------------------------------------
    def chord_index(self, onset_tick: int | None = None) -> int:
        """Index in the progression of the chord at an onset (it changes every
        ``bars_per_chord`` bars, counted from tick 0)."""
        onset = self.state.next_onset if onset_tick is None else onset_tick
        bar = onset // self._tables.bar_ticks
        return bar // self._settings.bars_per_chord % len(self._tables.chord_masks)

    def harmony_for(self, onset_tick: int | None = None) -> int:
        """The 12-bit mask of the chord sounding at an onset (default: the next event's)."""
        return self._tables.chord_masks[self.chord_index(onset_tick)]

    def chord_name_for(self, onset_tick: int | None = None) -> str:
        return self._tables.chord_names[self.chord_index(onset_tick)]

    # choosing ------------------------------------------------------------------------------
    def choose(self, pitch_logits: np.ndarray | None = None,
               duration_logits: np.ndarray | None = None,
               onset_tick: int | None = None) -> Choice:
        """Pick the next event; ``onset_tick`` defaults to where the last one ended."""
        s, t, st = self._settings, self._tables, self.state
        logits = None if pitch_logits is None else self._check(pitch_logits, self._n_pitches)
        durations = None if duration_logits is None else self._check(duration_logits,
                                                                     t.durations.size)
        onset = st.next_onset if onset_tick is None else int(onset_tick)
        u = st.rng.random(DRAWS)  # after the checks: a refused call leaves the state alone
        bar_pos = onset % t.bar_ticks // QUANTUM
        level = t.levels[bar_pos]
        ci = self.chord_index(onset)
        slot, cadence = phrase.locate(s, st, onset)
        temp = t.cadence_temperature if cadence else t.temperatures[slot]
        p_rest = (rest_probability(logits, s, st) if rest_allowed(
            s, st, cadence, t.bar_ticks, self._min_duration) else 0.0)
        if u[0] < p_rest:
            pid = 0
        else:
            pid = self._pitch(logits, (u[0] - p_rest) / (1.0 - p_rest), u[2], level, ci, slot,
                              cadence, temp)
        kind = REST if pid == 0 else (CADENCE if cadence else NOTE)
        did = self._duration(durations, u[1], kind, bar_pos, onset,
                             min(temp, s.temperature))
        duration = int(t.durations[did])
        pitch = None if pid == 0 else pid - 1 + self.vocab.pitch_min
        vel = 0 if pitch is None else velocity(
            t.level_velocity[level], t.height_velocity[pid], cadence, s.humanise,
            u[3] + u[4] - 1.0)
        why = Explanation(t.chord_names[ci], t.numeral_names[ci], slot, t.n_slots, temp,
                          cadence and pitch is not None, LEVELS[level],
                          t.directions[slot], t.in_key[pid], t.chord_tone[ci][pid])
        self._advance(pitch, pid, duration, onset, cadence, ci, vel)
        return Choice(pitch, duration, vel, onset, pid, did, t.chord_masks[ci], why)

    def observe(self, pitch: int | None, duration: int, onset_tick: int | None = None) -> None:
        """Take a note played by someone else (a keyboard) into the history, as if chosen."""
        st = self.state
        onset = st.next_onset if onset_tick is None else int(onset_tick)
        if pitch is not None:
            lo, hi = self.vocab.pitch_min, self.vocab.pitch_max
            while pitch < lo:
                pitch += 12
            while pitch > hi:
                pitch -= 12
        pid = self.vocab.pitch_id(pitch)
        _, cadence = phrase.locate(self._settings, st, onset)
        self._advance(pitch, pid, duration, onset, cadence, self.chord_index(onset),
                      st.last_velocity)

    # steps ---------------------------------------------------------------------------------
    def _pitch(self, logits: np.ndarray | None, u: float, u_cadence: float, level: int, ci: int,
               slot: int, cadence: bool, temp: float) -> int:
        """A note's pitch id (never the rest): steps 1, 2 and 4 of the module docstring."""
        s, t, st = self._settings, self._tables, self.state
        bonus = t.chord_bonus[ci, level]
        x = bonus.copy() if logits is None else np.add(logits, bonus)
        prev = st.last_pitch_id
        if prev:
            lo = t.span + 1 - prev
            d = t.directions[slot]
            row = t.neutral if (d > 0 and prev >= t.turn_high) or (
                d < 0 and prev <= t.turn_low) else t.contour[slot]
            x[1:] += row[lo:lo + t.span + 1]
            if abs(st.last_interval) >= LEAP:
                x[1:] += t.recovery[0 if st.last_interval > 0 else 1, lo:lo + t.span + 1]
        else:
            x += t.first_note
        if cadence:
            x += (t.cadence_full if u_cadence < s.cadence_rate else t.cadence_half)[ci]
        x *= 1.0 / temp
        x += t.hard
        x[0] = -math.inf
        banned = repeated_pitch(st.run_id, st.run_length, s.max_repeats)
        if banned > 0:
            x[banned] = -math.inf
        if s.ngram_strength > 0.0 and len(st.pitch_ids) >= s.ngram_n:
            for pid, count in ngram_continuations(st.pitch_ids, s.ngram_n, s.ngram_memory,
                                                  s.ngram_on).items():
                if 0 < pid < x.size:
                    x[pid] -= s.ngram_strength * count
        pid = _sample(x, u)
        return pid if pid >= 0 else self._fallback_pitch(banned)

    def _duration(self, logits: np.ndarray | None, u: float, kind: int, bar_pos: int,
                  onset: int, temp: float) -> int:
        s, t = self._settings, self._tables
        bias = t.duration_bias[kind, bar_pos]
        y = bias.copy() if logits is None else np.add(logits, bias)
        if kind == CADENCE and s.phrase_bars:
            phrase_ticks = s.phrase_bars * t.bar_ticks
            ends = onset % phrase_ticks + t.durations
            y += (PHRASE_END_BONUS * s.rhythm) * (
                (ends == phrase_ticks).astype(float) - (ends > phrase_ticks))
        y *= 1.0 / temp
        if kind == REST:
            y[t.durations > t.bar_ticks - self.state.rest_ticks] = -math.inf
        did = _sample(y, u)
        return did if did >= 0 else int(np.argmin(np.abs(t.durations - 480)))

    def _fallback_pitch(self, banned: int) -> int:
        """When every pitch was ruled out (or the logits were NaN): the in-key, in-register
        pitch nearest the last note, never the capped one."""
        ids = self._tables.fallback_ids
        ids = ids[ids != banned] if ids.size > 1 else ids
        target = self.state.last_pitch_id or int(ids[ids.size // 2])
        return int(ids[np.argmin(np.abs(ids - target))])

    def _check(self, logits: np.ndarray, size: int) -> np.ndarray:
        arr = np.asarray(logits)
        if arr.shape == (size,):
            return arr
        if arr.size == size:
            return arr.reshape(size)
        raise SamplerError(f"logits have {arr.size} values where this vocabulary has {size}")

    def _advance(self, pitch: int | None, pid: int, duration: int, onset: int, cadence: bool,
                 ci: int, vel: int) -> None:
        st = self.state
        st.record(pitch, duration, pid)
        phrase.advance(self._settings, st, onset, pitch is not None, cadence)
        st.next_onset = onset + duration
        st.bar = onset // self._tables.bar_ticks
        st.chord_index = ci
        st.last_velocity = vel


def _sample(logits: np.ndarray, u: float) -> int:
    """Inverse-CDF draw from softmax(logits) with one uniform; -1 when nothing is possible.
    Overwrites ``logits`` (a scratch array of the caller)."""
    top = logits.max()
    if not math.isfinite(top):
        return -1
    logits -= top
    weights = np.exp(logits, out=logits)
    cumulative = weights.cumsum()
    index = int(cumulative.searchsorted(u * cumulative[-1], side="right"))
    return index if index < weights.size else int(np.flatnonzero(weights)[-1])
