"""TheorySampler time rules, statistically, on seeded generators: durations, rests, meter,
phrases counted in bars, velocity."""

from __future__ import annotations

import functools
import itertools
from collections import Counter

import numpy as np
from musicai.live.encoding import Vocabulary
from musicai.live.sampler.settings import SamplerSettings as Settings
from musicai.live.sampler.theory_sampler import Choice, TheorySampler

# These tests pin the sampler's parts from before forms, each on its own: phrases counted in
# notes, the rhythm table without the density pull, no restatement, walls without re-centring.
# Forms, density and re-centring have their own tests (test_form.py).
SamplerSettings = functools.partial(Settings, form="free", repeat=0.0, density=0.0,
                                    recentre=False)

VOCAB = Vocabulary()
BAR = 1920


def play(settings: SamplerSettings, n: int, seed: int = 0,
         logits: np.ndarray | None = None, durations: np.ndarray | None = None
         ) -> list[Choice]:
    sampler = TheorySampler(settings, seed=seed)
    return [sampler.choose(logits, durations) for _ in range(n)]


def rest_loving() -> np.ndarray:
    logits = np.zeros(VOCAB.n_pitches)
    logits[VOCAB.rest_id] = 20.0
    return logits


# --- durations ------------------------------------------------------------------------------


def test_theory_only_rhythms_favour_eighths_and_quarters_on_the_grid():
    chosen = play(SamplerSettings(), 4000, seed=1)
    counts = Counter(c.duration for c in chosen)
    assert (counts[240] + counts[480]) / len(chosen) > 0.55
    assert counts[480] > counts[960] > counts[1920] and counts[240] > counts[120] > counts[60]
    on_eighths = np.mean([c.onset % 240 == 0 for c in chosen])
    assert on_eighths > 0.85
    triplets = sum(counts[d] for d in (80, 160, 320, 640)) / len(chosen)
    assert triplets < 0.02


def test_notes_rarely_cross_the_bar_line():
    chosen = play(SamplerSettings(), 4000, seed=2)
    crossing = [c.onset % BAR + c.duration > BAR for c in chosen]
    assert np.mean(crossing) < 0.03
    no_rhythm = play(SamplerSettings(rhythm=0.0), 4000, seed=2)
    assert np.mean([c.onset % BAR + c.duration > BAR for c in no_rhythm]) > 0.2


def test_rhythm_zero_leaves_the_model_durations_alone():
    wanted = np.full(VOCAB.n_durations, -30.0)
    wanted[VOCAB.duration_id(160)] = 0.0  # a model that only plays 8th-note triplets
    shaped = play(SamplerSettings(rest_rate=0.0, breath=0.0), 500, seed=3, durations=wanted)
    free = play(SamplerSettings(rhythm=0.0, rest_rate=0.0, breath=0.0), 500, seed=3,
                durations=wanted)
    assert all(c.duration == 160 for c in free)
    assert np.mean([c.duration == 160 for c in shaped]) > 0.9  # shaping is a bias, not a rule


def test_the_landing_rule_pairs_a_dotted_eighth_with_a_sixteenth():
    chosen = play(SamplerSettings(), 6000, seed=4)
    after = Counter(b.duration for a, b in itertools.pairwise(chosen)
                    if a.duration == 360 and a.onset % 480 == 0)
    assert sum(after.values()) > 30
    assert after[120] > after[240]


def test_meter_follows_the_settings():
    waltz = play(SamplerSettings(beats_per_bar=3), 3000, seed=5)
    downbeats = [c for c in waltz if c.why.beat == "downbeat"]
    assert downbeats and all(c.onset % 1440 == 0 for c in downbeats)
    assert not any(c.why.beat == "strong" for c in waltz)
    assert np.mean([c.onset % 1440 + c.duration > 1440 for c in waltz]) < 0.05
    six_eight = play(SamplerSettings(beats_per_bar=6, beat_ticks=240), 3000, seed=5)
    strong = [c for c in six_eight if c.why.beat == "strong"]
    assert strong and all(c.onset % 1440 == 720 for c in strong)


# --- rests ---------------------------------------------------------------------------------


def test_flat_logits_rest_a_little_and_breathe_after_cadences():
    chosen = play(SamplerSettings(), 6000, seed=6)
    rests = [c.pitch is None for c in chosen]
    assert 0.02 < np.mean(rests) < 0.12
    after_cadence = [b.pitch is None for a, b in itertools.pairwise(chosen) if a.why.cadence]
    assert 0.2 < np.mean(after_cadence) < 0.4
    assert not any(c.pitch is None and c.why.cadence for c in chosen)


def test_a_model_that_wants_silence_never_gets_two_rests_or_a_silent_phrase():
    chosen = play(SamplerSettings(), 3000, seed=7, logits=rest_loving())
    rests = [c.pitch is None for c in chosen]
    assert 0.3 < np.mean(rests) <= 0.5
    assert not any(a and b for a, b in itertools.pairwise(rests))
    silence = 0
    for c in chosen:
        silence = silence + c.duration if c.pitch is None else 0
        assert silence <= BAR
    cadences = sum(c.why.cadence for c in chosen)
    assert cadences >= (len(chosen) - sum(rests)) // 8 - 1  # every phrase still ends


def test_rest_controls():
    never = play(SamplerSettings(rest_bias=float("-inf")), 2000, seed=8, logits=rest_loving())
    assert not any(c.pitch is None for c in never)
    fewer = play(SamplerSettings(rest_bias=-25.0, rest_rate=0.0, breath=0.0), 2000, seed=8,
                 logits=rest_loving())
    assert np.mean([c.pitch is None for c in fewer]) < 0.01
    more = play(SamplerSettings(rest_rate=0.3), 3000, seed=8)
    assert 0.2 < np.mean([c.pitch is None for c in more]) < 0.4
    two = play(SamplerSettings(max_rests_in_row=2, rest_rate=0.8), 3000, seed=8)
    runs = [len(list(g)) for k, g in itertools.groupby(c.pitch is None for c in two) if k]
    assert max(runs) == 2
    none = play(SamplerSettings(max_rests_in_row=0), 1000, seed=8, logits=rest_loving())
    assert not any(c.pitch is None for c in none)


def test_rests_are_cut_to_the_silence_left_in_the_bar():
    long_rests = np.full(VOCAB.n_durations, -20.0)
    long_rests[VOCAB.duration_id(3840)] = 20.0
    chosen = play(SamplerSettings(max_rests_in_row=3, rest_rate=0.9), 2000, seed=9,
                  logits=rest_loving(), durations=long_rests)
    silence = 0
    for c in chosen:
        silence = silence + c.duration if c.pitch is None else 0
        assert silence <= BAR


# --- phrases counted in bars -------------------------------------------------------------------


def test_phrases_in_bars_cadence_once_in_their_last_bar_and_end_on_the_line():
    chosen = play(SamplerSettings(phrase_bars=2), 3000, seed=10)
    cadences = [c for c in chosen if c.why.cadence]
    by_phrase = Counter(c.onset // (2 * BAR) for c in cadences)
    phrases = chosen[-1].onset // (2 * BAR)
    assert max(by_phrase.values()) == 1 and len(by_phrase) > 0.8 * phrases
    assert all(c.onset % (2 * BAR) >= BAR for c in cadences)
    assert np.mean([c.onset + c.duration == (c.onset // (2 * BAR) + 1) * 2 * BAR
                    for c in cadences]) > 0.7
    assert all(c.why.phrase_len == 8 for c in chosen)


# --- velocity ------------------------------------------------------------------------------


def test_velocity_accents_downbeats_and_softens_cadences():
    chosen = [c for c in play(SamplerSettings(), 5000, seed=11) if c.pitch is not None]
    by_beat = {b: np.mean([c.velocity for c in chosen if c.why.beat == b and not c.why.cadence])
               for b in ("downbeat", "strong", "beat", "offbeat")}
    assert by_beat["downbeat"] > by_beat["strong"] > by_beat["beat"] > by_beat["offbeat"]
    assert by_beat["downbeat"] - by_beat["offbeat"] > 12
    same_place = [c for c in chosen if c.why.beat == "downbeat"]
    cadence = np.mean([c.velocity for c in same_place if c.why.cadence])
    assert cadence < by_beat["downbeat"] - 5


def test_higher_notes_are_a_bit_louder_and_humanise_is_seeded():
    chosen = [c for c in play(SamplerSettings(humanise=0.0), 3000, seed=12)
              if c.pitch is not None and c.why.beat == "beat" and not c.why.cadence]
    low = [c.velocity for c in chosen if c.pitch < 68]
    high = [c.velocity for c in chosen if c.pitch > 76]
    assert np.mean(high) > np.mean(low) + 4
    assert len({c.velocity for c in chosen if c.pitch == 72}) == 1  # no jitter when asked
    jittered = [c.velocity for c in play(SamplerSettings(humanise=3.0), 3000, seed=12)
                if c.pitch == 72 and c.why.beat == "beat" and not c.why.cadence]
    assert len(set(jittered)) > 2


def test_velocity_settings_scale_it():
    soft = [c.velocity for c in play(SamplerSettings(velocity=40), 500, seed=13) if c.pitch]
    loud = [c.velocity for c in play(SamplerSettings(velocity=110), 500, seed=13) if c.pitch]
    assert np.mean(loud) - np.mean(soft) > 60 and max(loud) <= 127 and min(soft) >= 1
    flat = [c for c in play(SamplerSettings(accent=0.0, humanise=0.0, register_low=60,
                                            register_high=84), 500, seed=13) if c.pitch == 72]
    assert {c.velocity for c in flat if not c.why.cadence} == {80}
