"""TheorySampler: API, settings, harmony, reproducibility, changes between notes."""

from __future__ import annotations

import dataclasses
import functools
import itertools

import numpy as np
import pytest
from musicai.live.encoding import Vocabulary
from musicai.live.errors import SamplerError, TheoryError
from musicai.live.sampler.settings import SamplerSettings as Settings
from musicai.live.sampler.state import SamplerState
from musicai.live.sampler.theory_sampler import Choice, TheorySampler
from musicai.live.theory import Key, chord_mask

# These tests pin the sampler's parts from before forms, each on its own: phrases counted in
# notes, the rhythm table without the density pull, no restatement, walls without re-centring.
# Forms, density and re-centring have their own tests (test_form.py).
SamplerSettings = functools.partial(Settings, form="free", repeat=0.0, density=0.0,
                                    recentre=False)

VOCAB = Vocabulary()
BAR = 1920


def play(sampler: TheorySampler, n: int, logits_rng: np.random.Generator | None = None
         ) -> list[Choice]:
    """n events; with ``logits_rng``, random model logits (a stand-in for the LSTM)."""
    out = []
    for _ in range(n):
        if logits_rng is None:
            out.append(sampler.choose())
        else:
            out.append(sampler.choose(logits_rng.normal(0, 2, VOCAB.n_pitches),
                                      logits_rng.normal(0, 1, VOCAB.n_durations)))
    return out


def events(choices: list[Choice]) -> list[tuple]:
    return [(c.pitch, c.duration, c.velocity, c.onset) for c in choices]


# --- settings ----------------------------------------------------------------------------


def test_settings_read_key_and_progression_text():
    s = SamplerSettings(key="D minor", progression="ii-V-I")
    assert s.key == Key.parse("D minor")
    assert [n.text for n in s.progression] == ["ii", "V", "I"]
    assert [n.text for n in SamplerSettings(key="A minor").numerals] == ["i", "VI", "III", "VII"]
    assert [n.text for n in SamplerSettings(progression=["I", "IV"]).numerals] == ["I", "IV"]
    assert SamplerSettings(progression=None).progression == () == SamplerSettings(
        progression="").progression
    replaced = dataclasses.replace(s, key="F# dorian")
    assert replaced.key == Key.parse("F# dorian") and replaced.progression == s.progression
    assert hash(replaced) != hash(s)


@pytest.mark.parametrize(("field", "value", "words"), [
    ("strictness", 1.5, "strictness 1.5 is outside 0..1"),
    ("direction", "sideways", 'direction "sideways" is not one of auto, up, down, none'),
    ("temperature", 0.0, "temperature 0.0"),
    ("register_low", 90, "register 90..84"),
    ("max_repeats", 0, "max_repeats 0"),
    ("phrase_length", 1, "phrase_length 1"),
    ("beat_ticks", 500, "beat_ticks 500"),
    ("ngram_on", "chords", 'ngram_on "chords"'),
    ("ngram_memory", 2, "ngram_memory 2"),
    ("rest_rate", 1.0, "rest_rate 1.0"),
    ("velocity", 0, "velocity 0"),
    ("humanise", -1.0, "humanise -1.0"),
    ("cadence_rate", 2.0, "cadence_rate 2.0"),
])  # fmt: skip
def test_bad_settings_raise_one_line_naming_the_field(field, value, words):
    with pytest.raises(SamplerError, match=words) as err:
        SamplerSettings(**{field: value})
    assert isinstance(err.value, ValueError) and "\n" not in str(err.value)


def test_bad_key_or_progression_in_settings_raise_theory_errors():
    with pytest.raises(TheoryError, match="H minor"):
        SamplerSettings(key="H minor")
    with pytest.raises(TheoryError, match="IX"):
        SamplerSettings(progression="I-IX")
    sampler = TheorySampler(seed=0)
    with pytest.raises(TheoryError):
        sampler.update(key="Q")
    assert sampler.settings.key == Key.parse("C")  # a failed change leaves the settings alone


# --- harmony -----------------------------------------------------------------------------


def test_the_progression_advances_every_bar_and_wraps():
    sampler = TheorySampler(SamplerSettings(key="C"), seed=0)
    expected = [chord_mask(n, "C") for n in ("I", "V", "vi", "IV", "I")]
    assert [sampler.harmony_for(bar * BAR) for bar in range(5)] == expected
    assert sampler.harmony_for(BAR - 20) == expected[0]
    assert sampler.harmony_for() == expected[0]  # the next event's onset, tick 0
    assert [sampler.chord_name_for(b * BAR) for b in range(4)] == ["C", "G", "Am", "F"]
    sampler.update(bars_per_chord=2, progression="ii7-V7")
    assert [sampler.chord_name_for(b * BAR) for b in range(5)] == ["Dm7", "Dm7", "G7", "G7",
                                                                  "Dm7"]
    three_four = TheorySampler(SamplerSettings(beats_per_bar=3), seed=0)
    assert three_four.chord_name_for(1440) == "G"


def test_each_choice_carries_the_harmony_under_it():
    sampler = TheorySampler(SamplerSettings(key="G", progression="I-IV-V7"), seed=3)
    for choice in play(sampler, 60):
        assert choice.harmony == sampler.harmony_for(choice.onset)
        assert choice.why.chord == sampler.chord_name_for(choice.onset)
    assert sampler.state.next_onset == choice.onset + choice.duration


def test_a_key_change_moves_the_progression():
    sampler = TheorySampler(SamplerSettings(key="C"), seed=0)
    sampler.update(key="D")
    assert sampler.harmony_for(BAR) == chord_mask("V", "D")


# --- choices -----------------------------------------------------------------------------


def test_choices_are_well_formed_with_and_without_logits():
    sampler = TheorySampler(seed=1)
    rng = np.random.default_rng(1)
    for choice in play(sampler, 300) + play(sampler, 300, rng):
        assert choice.duration in VOCAB.durations
        assert VOCAB.duration_of(choice.duration_id) == choice.duration
        assert VOCAB.pitch_of(choice.pitch_id) == choice.pitch
        if choice.pitch is None:
            assert choice.velocity == 0 and choice.is_rest
        else:
            assert 1 <= choice.velocity <= 127 and not choice.is_rest
        assert choice.why.beat in ("downbeat", "strong", "beat", "offbeat", "weak")
        assert 0 <= choice.why.phrase_pos < choice.why.phrase_len == 16  # 4-bar form phrases


def test_onsets_run_back_to_back_unless_the_engine_says_otherwise():
    sampler = TheorySampler(seed=2)
    choices = play(sampler, 50)
    for a, b in itertools.pairwise(choices):
        assert b.onset == a.onset + a.duration
    jump = sampler.choose(onset_tick=10 * BAR)
    assert jump.onset == 10 * BAR and jump.why.beat == "downbeat"


def test_logits_of_the_wrong_size_are_refused_and_column_shapes_accepted():
    sampler = TheorySampler(seed=0)
    untouched = TheorySampler(seed=0)
    with pytest.raises(SamplerError, match="logits have 10 values"):
        sampler.choose(np.zeros(10), np.zeros(VOCAB.n_durations))
    with pytest.raises(SamplerError):
        sampler.choose(np.zeros(VOCAB.n_pitches), np.zeros(3))
    assert events(play(sampler, 20)) == events(play(untouched, 20))  # refusals draw nothing
    choice = sampler.choose(np.zeros((1, VOCAB.n_pitches), np.float32),
                            np.zeros((1, VOCAB.n_durations), np.float32))
    assert choice.duration in VOCAB.durations


def test_nan_or_impossible_logits_still_give_an_in_key_note():
    sampler = TheorySampler(SamplerSettings(strictness=1.0), seed=0)
    for logits in (np.full(VOCAB.n_pitches, np.nan), np.full(VOCAB.n_pitches, -np.inf)):
        choice = sampler.choose(logits, np.full(VOCAB.n_durations, np.nan))
        assert choice.pitch is not None and Key.parse("C").contains(choice.pitch)
        assert choice.duration == 480


def test_the_callers_logits_are_not_modified():
    sampler = TheorySampler(seed=0)
    pitch = np.linspace(-1, 1, VOCAB.n_pitches)
    duration = np.linspace(-1, 1, VOCAB.n_durations)
    before = (pitch.copy(), duration.copy())
    play_once = [sampler.choose(pitch, duration) for _ in range(20)]
    assert play_once and np.array_equal(pitch, before[0]) and np.array_equal(duration, before[1])


# --- reproducibility -----------------------------------------------------------------------


def test_same_seed_same_inputs_same_notes():
    def take(seed: int) -> list[tuple]:
        sampler = TheorySampler(SamplerSettings(key="E minor"), seed=seed)
        return events(play(sampler, 200, np.random.default_rng(99)))

    assert take(5) == take(5)
    assert take(5) != take(6)


def test_a_copied_state_replays_exactly():
    sampler = TheorySampler(seed=11)
    play(sampler, 37)
    saved = sampler.state.copy()
    first = events(play(sampler, 100))
    replay = TheorySampler(sampler.settings, state=saved)
    assert events(play(replay, 100)) == first
    assert isinstance(saved, SamplerState)


def test_changes_at_the_same_notes_replay_the_same():
    def take() -> list[tuple]:
        sampler = TheorySampler(seed=4)
        out = play(sampler, 20)
        sampler.update(key="Bb", direction="down")
        out += play(sampler, 20)
        sampler.update(temperature=1.6, progression="ii-V-I")
        return events(out + play(sampler, 20))

    assert take() == take()


# --- changes between notes -------------------------------------------------------------------


def test_a_key_change_lands_on_the_very_next_note():
    new_key = Key.parse("F# major")
    for trial in range(40):
        sampler = TheorySampler(SamplerSettings(key="C", strictness=1.0, rest_rate=0.0,
                                                breath=0.0), seed=trial)
        play(sampler, 1 + trial % 13)
        sampler.update(key=new_key)
        after = play(sampler, 12)
        assert all(new_key.contains(c.pitch) for c in after), trial
        assert after[0].why.in_key


def test_settings_changed_mid_phrase_keep_the_phrase_position():
    sampler = TheorySampler(SamplerSettings(rest_rate=0.0, breath=0.0), seed=8)
    first = play(sampler, 3)
    assert [c.why.phrase_pos for c in first] == [0, 1, 2]
    sampler.update(key="G", direction="down", temperature=1.5, strictness=0.3)
    sampler.settings = dataclasses.replace(sampler.settings, register_low=50)
    rest_of_phrase = play(sampler, 6)
    assert [c.why.phrase_pos for c in rest_of_phrase] == [3, 4, 5, 6, 7, 0]
    assert [c.why.cadence for c in rest_of_phrase] == [False] * 4 + [True, False]


def test_a_shorter_phrase_length_mid_phrase_ends_the_phrase_next():
    sampler = TheorySampler(SamplerSettings(rest_rate=0.0, breath=0.0), seed=8)
    play(sampler, 6)
    sampler.update(phrase_length=4)
    nxt, after = play(sampler, 2)
    assert nxt.why.cadence and nxt.why.phrase_pos == 3 and after.why.phrase_pos == 0


def test_observed_notes_enter_the_history():
    sampler = TheorySampler(SamplerSettings(max_repeats=2, rest_rate=0.0, breath=0.0), seed=0)
    sampler.observe(72, 480)
    sampler.observe(72, 480)
    assert sampler.state.next_onset == 960 and sampler.state.phrase_pos == 2
    logits = np.zeros(VOCAB.n_pitches)
    logits[VOCAB.pitch_id(72)] = 50.0
    assert sampler.choose(logits).pitch != 72  # the cap counts the played notes
    sampler.observe(130, 240)  # out of range: folded into the vocabulary by octaves
    assert sampler.state.pitches[-1] == 106


def test_chord_names_follow_the_key_spelling_across_cached_settings():
    sampler = TheorySampler(SamplerSettings(key="F#"), seed=0)
    assert sampler.chord_name_for(BAR) == "C#"
    sampler.update(key="Gb")
    assert sampler.chord_name_for(BAR) == "Db"
    assert sampler.choose().why.chord == "Gb"


def test_the_default_progression_follows_the_mode():
    sampler = TheorySampler(SamplerSettings(key="C"), seed=0)
    sampler.update(key="A minor")
    assert [sampler.chord_name_for(b * BAR) for b in range(4)] == ["Am", "F", "C", "G"]
    sampler.update(key="G mixolydian")
    assert [sampler.chord_name_for(b * BAR) for b in range(3)] == ["G", "F", "C"]
