"""The stateful theory sampler: (model logits, state) -> next note.

For each event the engine asks ``harmony_for()`` for the chord mask the model needs as input,
runs the model, and hands its pitch logits (rest + notes) and duration logits to ``choose``.
Logits may be None (theory-only mode: every note then comes from the rules below).

One event, in order:

0. rest or note? from the rest probability and the hard rest rules (``rests``);
1. pitch logits = (model + chord tones by beat level + contour by interval + cadence target)
   / temperature, where the temperature follows the phrase (``phrase``);
2. + key penalty by strictness + register walls (``pitch_bias``), not temperature-scaled;
3. the repetition cap and the n-gram penalty (``repetition``); at a full cadence with no
   restatement to follow, the cadence's targets are then raised together, if need be, to at
   least ``FULL_CADENCE_SHARE`` of the probability: a fixed bonus drowns in a sure model's
   logits (the tonic at the cadences fell from 46 % to 29 % as the model got sharper);
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
from musicai.live.sampler import form, phrase
from musicai.live.sampler.held_chord import tables_with
from musicai.live.sampler.motif import REALIGN, Target, restated, target_at
from musicai.live.sampler.repetition import ngram_continuations, repeated_pitch
from musicai.live.sampler.rests import rest_allowed, rest_probability
from musicai.live.sampler.rhythm import CADENCE, NOTE, PHRASE_END_BONUS, REST
from musicai.live.sampler.settings import SamplerSettings
from musicai.live.sampler.state import SamplerState
from musicai.live.sampler.tables import FULL, HALF, Tables
from musicai.live.sampler.velocity import velocity
from musicai.live.theory.chords import Chord
from musicai.live.theory.meter import LEVELS

LEAP = 5  # semitones: an interval this large earns a step back (contour.RECOVERY)
DRAWS = 5  # uniforms per event: pitch, duration, cadence kind, two for velocity jitter
RECENTRE_ZONE = 5  # semitones inside the wall where an up/down line counts as arrived
REPEAT_REALIGN = 6.0  # log units toward the duration that gets a drifted line back in step
HELD_PULL = 0.2  # what is left of a restatement's pull while the player holds a chord
REST_PULL = 0.85  # the least rest probability where a restated bar had a rest
NOTE_PULL = 0.25  # what is left of the rest probability where it had a note
FULL_CADENCE_SHARE = 0.75  # least probability of a full cadence's targets (the tonic)
DENSITY_WEIGHT = 2.5  # log units per squared octave of duration away from the density aim
DENSITY_GAIN = 1.0  # how far one bar's relative error (notes - aim) / aim moves the aim, in octaves
DENSITY_LIMIT = 3.0  # the most the aim moves, in octaves (a model that shuns 16ths needs 2+)


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
        old = getattr(self, "_settings", None)
        if old is not None and (old.direction, old.contour) != (value.direction, value.contour):
            # a new direction obeys from the next note: no bar played the old way comes back
            self.state.memory.clear()
            self.state.plan = form.BarPlan(letter=self.state.plan.letter)
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
        """Index in the tables of the chord at an onset: the progression's (it changes every
        ``bars_per_chord`` bars, counted from tick 0), except in a form's cadence bars, which
        sound over the tonic chord (an answer) or the dominant (a question) when the key's
        default progression fits in a phrase (a chosen progression, or one longer than a
        phrase like the 12-bar blues, keeps its own cadences)."""
        onset = self.state.next_onset if onset_tick is None else onset_tick
        t, s = self._tables, self._settings
        bar = onset // t.bar_ticks
        if (s.repeat > 0 and not s.progression and t.n_progression < len(t.chord_masks)
                and t.n_progression * s.bars_per_chord <= (s.bars_in_phrase or 4)):
            kind = form.cadence_of(s, bar)
            if kind is not None:
                return t.n_progression + (FULL if kind == "full" else HALF)
        return bar // s.bars_per_chord % t.n_progression

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
        if onset // t.bar_ticks != st.plan_bar:
            self._new_bar(onset // t.bar_ticks)
        target = self._target(onset, ci) if st.plan.source is not None else None
        allowed = rest_allowed(s, st, cadence, t.bar_ticks, self._min_duration)
        p_rest = rest_probability(logits, s, st) if allowed else 0.0
        if target is not None and allowed:
            p_rest = self._restated_rest(p_rest, target)
        if u[0] < p_rest:
            pid = 0
        else:
            pid = self._pitch(logits, (u[0] - p_rest) / (1.0 - p_rest), u[2], level, ci, slot,
                              cadence, temp, target)
        kind = REST if pid == 0 else (CADENCE if cadence else NOTE)
        did = self._duration(durations, u[1], kind, bar_pos, onset,
                             min(temp, s.temperature), target)
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
    # form ----------------------------------------------------------------------------------
    def _new_bar(self, bar: int) -> None:
        """At a bar line: the density aim learns from the bar just played, then the form
        decides what this bar does."""
        s, st = self._settings, self.state
        if s.density and st.plan_bar >= 0 and bar == st.plan_bar + 1:
            error = min(1.0, (st.bar_notes - s.density) / s.density)  # mean, not geometric
            st.density_offset = min(DENSITY_LIMIT, max(-DENSITY_LIMIT,
                                                       st.density_offset + DENSITY_GAIN * error))
        if not s.loop:
            st.loop_from = None
        elif st.loop_from is None:
            st.loop_from = bar
        st.plan = (form.plan_bar(s, bar, st.memory, st.plan_rng, st.loop_from)
                   if s.repeat > 0 or s.loop else form.FREE)
        st.plan_bar, st.bar_notes = bar, 0

    def _target(self, onset: int, ci: int) -> Target | None:
        """What the plan's source bar asks of a note starting at ``onset``."""
        s, t, plan = self._settings, self._tables, self.state.plan
        source = self.state.memory.get(plan.source)
        if source is None:
            return None
        st = self.state
        sequence = plan.sequence or self._held is not None  # a held chord is followed
        wanted = (plan.source, s.key, t.chord_roots[ci], sequence, len(source.events))
        if st.restated_for != wanted:
            low = t.low_id - 1 + self.vocab.pitch_min
            high = t.high_id - 1 + self.vocab.pitch_min
            st.restated = restated(source, s.key, t.chord_roots[ci], sequence, low, high)
            st.restated_for = wanted
        return target_at(source, st.restated, onset % t.bar_ticks, t.bar_ticks)

    def _restated_rest(self, p_rest: float, target: Target) -> float:
        plan = self.state.plan
        if target.index in plan.free or target.index == REALIGN:
            return p_rest
        if target.pitch is None:
            return 1.0 if plan.strength == math.inf else max(p_rest, REST_PULL)
        return 0.0 if plan.strength == math.inf else p_rest * NOTE_PULL

    # steps ---------------------------------------------------------------------------------
    def _pitch(self, logits: np.ndarray | None, u: float, u_cadence: float, level: int, ci: int,
               slot: int, cadence: bool, temp: float, target: Target | None = None) -> int:
        """A note's pitch id (never the rest): steps 1, 2 and 4 of the module docstring."""
        s, t, st = self._settings, self._tables, self.state
        plan = st.plan
        aim = 0
        if target is not None and target.pitch is not None:
            aim = self.vocab.pitch_id(min(max(target.pitch, self.vocab.pitch_min),
                                          self.vocab.pitch_max))
        free = aim > 0 and target.index in plan.free  # (a REALIGN target has no pitch: aim 0)
        pull = 0.0 if (aim == 0 or free) else plan.strength
        if self._held is not None and pull != math.inf:
            pull *= HELD_PULL  # the chord the player holds leads the pitches
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
            full = (u_cadence < s.cadence_rate if plan.cadence is None
                    else plan.cadence == "full")
            x += (t.cadence_full if full else t.cadence_half)[ci]
        if prev and pull == 0.0 and self._at_wall(prev, level):
            x += t.recentre[0 if s.direction == "up" else 1]
        x *= 1.0 / temp
        x += t.hard
        x[0] = -math.inf
        if pull == math.inf:  # a forced copy: the loop, or repeat 1
            x[:] = -math.inf
            x[aim] = 0.0
            return aim
        banned = repeated_pitch(st.run_id, st.run_length, s.max_repeats)
        if banned > 0:
            x[banned] = -math.inf
        if free and plan.ban:
            x[aim] = -math.inf  # a mutation: this note changes
        if pull > 0.0:
            x[aim] += pull
        elif s.ngram_strength > 0.0 and len(st.pitch_ids) >= s.ngram_n:
            strength = s.ngram_strength * (1.0 - s.repeat)
            for pid, count in ngram_continuations(st.pitch_ids, s.ngram_n, s.ngram_memory,
                                                  s.ngram_on).items():
                if 0 < pid < x.size:
                    x[pid] -= strength * count
        if cadence and plan.cadence == "full" and pull == 0.0:  # a form's answer: home
            _at_least(x, t.cadence_full[ci] > 0.0, FULL_CADENCE_SHARE)
        pid = _sample(x, u)
        return pid if pid >= 0 else self._fallback_pitch(banned)

    def _at_wall(self, prev: int, level: int) -> bool:
        """An up (down) line at the top (bottom) wall, on a strong beat: time to leap back."""
        s, t = self._settings, self._tables
        if not s.recentre or level > 2:
            return False
        zone = RECENTRE_ZONE
        return (s.direction == "up" and prev >= t.high_id - zone) or (
            s.direction == "down" and prev <= t.low_id + zone)

    def _duration(self, logits: np.ndarray | None, u: float, kind: int, bar_pos: int,
                  onset: int, temp: float, target: Target | None = None) -> int:
        s, t = self._settings, self._tables
        bias = t.duration_bias[kind, bar_pos]
        y = bias.copy() if logits is None else np.add(logits, bias)
        if kind == NOTE and s.density:
            centre = math.log2(t.bar_ticks / s.density) + self.state.density_offset
            y -= DENSITY_WEIGHT * (t.log_durations - centre) ** 2
        if kind == CADENCE and s.bars_in_phrase:
            phrase_ticks = s.bars_in_phrase * t.bar_ticks
            ends = onset % phrase_ticks + t.durations
            y += (PHRASE_END_BONUS * s.rhythm) * (
                (ends == phrase_ticks).astype(float) - (ends > phrase_ticks))
        y *= 1.0 / temp
        if kind == REST:
            y[t.durations > t.bar_ticks - self.state.rest_ticks] = -math.inf
        if (s.repeat > 0 or s.loop) and t.any_fit[bar_pos]:  # bars stay whole (tables)
            y += t.unfit_penalty[bar_pos]
        strength = self.state.plan.strength
        if target is not None and strength > 0.0:  # a restated bar keeps its rhythm
            aim = t.duration_ids.get(target.duration, -1)
            if aim < 0:
                aim = int(np.argmin(np.abs(t.durations - target.duration)))
            if target.index == REALIGN:  # only an exact way back into step is pulled
                if t.durations[aim] == target.duration and math.isfinite(y[aim]):
                    y[aim] += min(strength, REPEAT_REALIGN)
            elif strength == math.inf and math.isfinite(y[aim]):
                return aim
            else:
                y[aim] += strength
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
        st, t = self.state, self._tables
        st.record(pitch, duration, pid)
        bar = onset // t.bar_ticks
        st.memory.record(bar, onset % t.bar_ticks, duration, pitch, self._settings.key,
                         t.chord_roots[ci])
        if pitch is not None and bar == st.plan_bar:
            st.bar_notes += 1
        phrase.advance(self._settings, st, onset, pitch is not None, cadence)
        st.next_onset = onset + duration
        st.bar = onset // self._tables.bar_ticks
        st.chord_index = ci
        st.last_velocity = vel


def _at_least(logits: np.ndarray, targets: np.ndarray, share: float) -> None:
    """Raise ``logits[targets]`` together, in place, so that their softmax mass is at least
    ``share`` (nothing to do when it is, or when no target or no other pitch is possible)."""
    possible = np.isfinite(logits)
    raised = targets & possible
    inside, outside = logits[raised], logits[~targets & possible]
    if inside.size == 0 or outside.size == 0:
        return
    top = max(inside.max(), outside.max())
    mass_in = float(np.exp(inside - top).sum())
    mass_out = float(np.exp(outside - top).sum())
    lift = math.log(share / (1.0 - share)) - math.log(mass_in / mass_out)
    if lift > 0.0:
        logits[raised] += lift


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
