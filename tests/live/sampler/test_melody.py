"""TheorySampler pitch rules, statistically, on seeded generators: key, chords, contour,
cadences, repetition, register, temperature."""

from __future__ import annotations

import functools
import itertools
import math
from collections import Counter

import numpy as np
from musicai.live.encoding import Vocabulary
from musicai.live.sampler.settings import SamplerSettings as Settings
from musicai.live.sampler.theory_sampler import Choice, TheorySampler
from musicai.live.theory import Key

# These tests pin the sampler's parts from before forms, each on its own: phrases counted in
# notes, the rhythm table without the density pull, no restatement, walls without re-centring.
# Forms, density and re-centring have their own tests (test_form.py).
SamplerSettings = functools.partial(Settings, form="free", repeat=0.0, density=0.0,
                                    recentre=False)

VOCAB = Vocabulary()
C_MAJOR = Key.parse("C")
PITCHES = np.arange(VOCAB.pitch_min, VOCAB.pitch_max + 1)
NO_RESTS = {"rest_rate": 0.0, "breath": 0.0}


def pitch_logits(values: dict[int, float] | None = None, default: float = 0.0,
                 rest: float = 0.0) -> np.ndarray:
    logits = np.full(VOCAB.n_pitches, default)
    logits[VOCAB.rest_id] = rest
    for pitch, value in (values or {}).items():
        logits[VOCAB.pitch_id(pitch)] = value
    return logits


def notes(choices: list[Choice]) -> list[Choice]:
    return [c for c in choices if c.pitch is not None]


def play(settings: SamplerSettings, n: int, seed: int = 0,
         logits: np.ndarray | None = None) -> list[Choice]:
    sampler = TheorySampler(settings, seed=seed)
    return [sampler.choose(logits) for _ in range(n)]


def in_key_ratio(strictness: float, logits: np.ndarray | None = None) -> float:
    chosen = notes(play(SamplerSettings(strictness=strictness), 2000, seed=1, logits=logits))
    return float(np.mean([C_MAJOR.contains(c.pitch) for c in chosen]))


# --- key ------------------------------------------------------------------------------------


def test_strictness_one_keeps_every_note_in_key_even_against_the_model():
    assert in_key_ratio(1.0) == 1.0
    adversarial = pitch_logits({int(p): 8.0 for p in PITCHES if not C_MAJOR.contains(p)})
    assert in_key_ratio(1.0, adversarial) == 1.0


def test_in_key_ratio_grows_with_strictness_on_flat_logits():
    ratios = [in_key_ratio(s) for s in (0.0, 0.5, 1.0)]
    assert ratios[0] < ratios[1] < ratios[2] == 1.0
    assert ratios[1] > 0.85  # chance is 7/12 = 0.58


def test_strictness_pulls_adversarial_logits_into_the_key():
    adversarial = pitch_logits({int(p): 3.0 for p in PITCHES if not C_MAJOR.contains(p)})
    ratios = [in_key_ratio(s, adversarial) for s in (0.0, 0.5, 0.8, 1.0)]
    assert ratios[0] < 0.3  # the model gets its way without strictness
    assert ratios[0] < ratios[1] < ratios[2] < ratios[3] == 1.0
    assert ratios[2] > 0.9


def test_other_modes_keep_to_their_scales():
    for name in ("D dorian", "E phrygian", "A minor pentatonic", "G blues", "B locrian"):
        key = Key.parse(name)
        chosen = notes(play(SamplerSettings(key=key, strictness=1.0), 400, seed=2))
        assert all(key.contains(c.pitch) for c in chosen), name


# --- harmony by beat ------------------------------------------------------------------------


def test_chord_tones_are_more_frequent_on_strong_beats():
    chosen = notes(play(SamplerSettings(), 5000, seed=3))
    strong = [c.why.chord_tone for c in chosen if c.why.beat in ("downbeat", "strong")]
    weak = [c.why.chord_tone for c in chosen if c.why.beat in ("offbeat", "weak")]
    assert len(strong) > 500 and len(weak) > 500
    assert np.mean(strong) > np.mean(weak) + 0.15
    for c in chosen[:200]:
        assert c.why.chord_tone == bool(c.harmony >> (c.pitch % 12) & 1)


# --- contour --------------------------------------------------------------------------------


def phrase_intervals(direction: str, trials: int = 80) -> tuple[float, np.ndarray]:
    """Share of rising moves, and the mean interval per phrase slot, over fresh phrases
    started from F#4 in a wide register (so the walls do not interfere)."""
    rising: list[bool] = []
    sums, counts = np.zeros(8), np.zeros(8)
    for trial in range(trials):
        sampler = TheorySampler(SamplerSettings(direction=direction, register_low=36,
                                                register_high=96, **NO_RESTS), seed=trial)
        sampler.observe(66, 480)
        sampler.state.phrase_pos = 0
        previous = 66
        for _ in range(8):
            choice = sampler.choose()
            step = choice.pitch - previous
            previous = choice.pitch
            sums[choice.why.phrase_pos] += step
            counts[choice.why.phrase_pos] += 1
            if step:
                rising.append(step > 0)
    return float(np.mean(rising)), sums / counts


def test_direction_up_rises_and_down_falls():
    up, _ = phrase_intervals("up")
    down, _ = phrase_intervals("down")
    none, _ = phrase_intervals("none")
    assert up > 0.8
    assert down < 0.2
    assert 0.35 < none < 0.65


def test_direction_auto_rises_then_falls():
    _, by_slot = phrase_intervals("auto")
    assert by_slot[:4].mean() > 1.0
    assert by_slot[4:].mean() < -1.0


def test_steps_are_preferred_and_leaps_penalised_by_size():
    chosen = notes(play(SamplerSettings(), 4000, seed=4))
    sizes = Counter(abs(b.pitch - a.pitch) for a, b in itertools.pairwise(chosen))
    total = sum(sizes.values())
    steps = (sizes[1] + sizes[2]) / total
    assert steps > 0.4
    assert sizes[2] > sizes[4] > sizes[7] > sizes[9]
    assert sum(v for k, v in sizes.items() if k > 12) / total < 0.01


def test_the_explanation_reports_the_direction_used():
    chosen = play(SamplerSettings(direction="up", **NO_RESTS), 8)
    assert all(c.why.direction == 1.0 for c in chosen)
    auto = play(SamplerSettings(**NO_RESTS), 8)
    assert auto[0].why.direction == 1.0 and auto[-1].why.direction == -1.0


# --- cadences -------------------------------------------------------------------------------


def test_cadences_land_on_tonic_or_chord_tones_with_longer_notes():
    chosen = notes(play(SamplerSettings(), 6000, seed=5))
    cadences = [c for c in chosen if c.why.cadence]
    others = [c for c in chosen if not c.why.cadence]
    assert len(cadences) > 500
    assert np.mean([c.why.chord_tone or c.pitch % 12 == 0 for c in cadences]) > 0.95
    assert np.mean([c.pitch % 12 == 0 for c in cadences]) > 0.5
    assert np.mean([c.pitch % 12 == 0 for c in others]) < 0.3
    assert np.mean([c.duration for c in cadences]) > 1.5 * np.mean([c.duration for c in others])
    assert np.mean([c.duration >= 480 for c in cadences]) > 0.9
    assert all(c.why.phrase_pos == 7 for c in cadences)


def test_cadence_rate_sets_how_often_phrases_end_on_the_tonic():
    def tonic_rate(rate: float) -> float:
        settings = SamplerSettings(cadence_rate=rate, progression="I")
        cadences = [c for c in notes(play(settings, 4000, seed=6)) if c.why.cadence]
        return float(np.mean([c.pitch % 12 == 0 for c in cadences]))

    assert tonic_rate(1.0) > 0.95
    assert tonic_rate(0.0) < 0.6


# --- repetition -------------------------------------------------------------------------------


def longest_run(pitches: list[int]) -> int:
    best = run = 1
    for a, b in itertools.pairwise(pitches):
        run = run + 1 if a == b else 1
        best = max(best, run)
    return best


def test_the_repetition_cap_holds_against_a_model_that_wants_one_note_forever():
    stuck = pitch_logits({72: 30.0})
    for cap in (1, 2, 3, 5):
        chosen = notes(play(SamplerSettings(max_repeats=cap), 600, seed=cap, logits=stuck))
        assert longest_run([c.pitch for c in chosen]) == cap
    # rests in between do not reset the run
    resting = notes(play(SamplerSettings(max_repeats=2, rest_rate=0.5), 600, logits=stuck))
    assert longest_run([c.pitch for c in resting]) == 2


def repeated_ngram_rate(strength: float, on: str) -> float:
    """Play against a model that loves one 4-note motif; how often does the last n-gram
    (n = 3, of ``on``) repeat one from the previous 16 notes?"""
    motif = [60, 64, 62, 67]
    sampler = TheorySampler(SamplerSettings(ngram_strength=strength, ngram_on=on, ngram_n=3,
                                            ngram_memory=16, **NO_RESTS), seed=7)
    pitches: list[int] = []
    for _ in range(1500):
        last = pitches[-1] if pitches else motif[-1]
        wanted = motif[(motif.index(last) + 1) % 4] if last in motif else motif[0]
        pitches.append(sampler.choose(pitch_logits({wanted: 6.0}, rest=-50.0)).pitch)
    items = pitches if on == "pitch" else list(np.diff(pitches))
    hits = 0
    for i in range(16, len(items)):
        gram = items[i - 2:i + 1]
        window = items[i - 16:i]
        hits += any(window[j:j + 3] == gram for j in range(len(window) - 2))
    return hits / (len(items) - 16)


def test_the_ngram_penalty_lowers_the_repeated_ngram_rate():
    for on in ("pitch", "interval"):
        free = repeated_ngram_rate(0.0, on)
        penalised = repeated_ngram_rate(2.0, on)
        assert free > 0.5, on
        assert penalised < free - 0.2, on


# --- register ---------------------------------------------------------------------------------


def test_register_walls_hold_against_a_model_that_wants_to_go_high():
    high = pitch_logits({int(p): 4.0 for p in PITCHES if p > 96})
    chosen = notes(play(SamplerSettings(register_low=55, register_high=79), 1500, seed=8,
                        logits=high))
    pitches = np.array([c.pitch for c in chosen])
    assert np.mean((pitches >= 55) & (pitches <= 79)) > 0.85
    assert pitches.max() <= 79 + 12 and pitches.min() >= 55 - 12
    wide = notes(play(SamplerSettings(register_low=21, register_high=108), 1500, seed=8,
                      logits=high))
    assert np.mean([c.pitch > 79 for c in wide]) > 0.3  # without the walls it would go up


def test_register_walls_hold_for_a_long_rising_line():
    chosen = notes(play(SamplerSettings(direction="up", register_low=60, register_high=72),
                        1500, seed=9))
    pitches = np.array([c.pitch for c in chosen])
    assert np.mean((pitches >= 60) & (pitches <= 72)) > 0.9
    assert pitches.max() <= 72 + 12


def test_a_register_past_the_vocabulary_is_clamped_to_it():
    chosen = notes(play(SamplerSettings(register_low=0, register_high=127, direction="down"),
                        2000, seed=10))
    assert min(c.pitch for c in chosen) >= VOCAB.pitch_min


# --- temperature ------------------------------------------------------------------------------


def entropy(values: list[int]) -> float:
    counts = np.array(list(Counter(values).values()), dtype=float)
    p = counts / counts.sum()
    return float(-(p * np.log(p)).sum())


def intervals_entropy(chosen: list[Choice]) -> float:
    return entropy([b.pitch - a.pitch for a, b in itertools.pairwise(chosen)])


def test_temperature_raises_the_entropy_of_the_notes():
    model = np.random.default_rng(12).normal(0.0, 2.0, VOCAB.n_pitches)
    cold, warm = (notes(play(SamplerSettings(temperature=t, strictness=0.5), 3000, seed=13,
                             logits=model)) for t in (0.4, 2.0))
    assert entropy([c.pitch for c in warm]) > entropy([c.pitch for c in cold]) + 0.3
    theory_cold, theory_warm = (notes(play(SamplerSettings(temperature=t), 3000, seed=13))
                                for t in (0.4, 2.0))
    # theory only: the notes roam the register either way, but warm lines move less predictably
    assert intervals_entropy(theory_warm) > intervals_entropy(theory_cold) + 0.2


def test_the_temperature_curve_is_cool_warm_cooler_at_the_cadence():
    chosen = play(SamplerSettings(temperature=1.0, **NO_RESTS), 8)
    temps = [c.why.temperature for c in chosen]
    assert math.isclose(temps[0], 0.8) and math.isclose(temps[-1], 0.6)
    assert max(temps[2:6]) > 1.15 and temps[0] < temps[2] and temps[-1] < temps[0]
    flat = play(SamplerSettings(temperature=1.5, temperature_swing=0.0, **NO_RESTS), 8)
    assert all(math.isclose(c.why.temperature, 1.5) for c in flat)
    doubled = play(SamplerSettings(temperature=2.0, **NO_RESTS), 8)
    assert [c.why.temperature for c in doubled] == [2 * t for t in temps]
