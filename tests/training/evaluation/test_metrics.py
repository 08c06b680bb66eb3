"""Every music metric on hand-made melodies whose answers are known."""

from __future__ import annotations

import math

import numpy as np
import pytest
from musicai.live.theory.keys import Key
from musicai.training.evaluation import metrics as mm
from musicai.training.evaluation.tally import Tally

C_MAJOR = Key.parse("C major")
C_SCALE = [60, 62, 64, 65, 67, 69, 71, 72]
CHROMATIC = list(range(60, 72))
Q = 480  # a quarter


def line(pitches, duration=Q):
    p = mm.as_pitches(pitches)
    return p, np.full(p.size, duration)


def test_rests_become_rest_value_and_are_skipped():
    p = mm.as_pitches([60, None, 62])
    assert p.tolist() == [60, mm.REST, 62]
    assert mm.notes_only(p).tolist() == [60, 62]
    assert mm.intervals(p).tolist() == [2]


def test_in_key_ratio_of_a_c_major_scale_is_one():
    assert mm.in_key_ratio(mm.as_pitches(C_SCALE), C_MAJOR.mask) == 1.0


def test_in_key_ratio_of_a_chromatic_run_is_seven_twelfths():
    assert mm.in_key_ratio(mm.as_pitches(CHROMATIC), C_MAJOR.mask) == pytest.approx(7 / 12)


def test_in_key_ratio_in_another_key_and_with_rests():
    # C major notes in A minor: the same pitch classes; in D major, C and F are out.
    p = mm.as_pitches([*C_SCALE[:7], None])
    assert mm.in_key_ratio(p, Key.parse("A minor").mask) == 1.0
    assert mm.in_key_ratio(p, Key.parse("D major").mask) == pytest.approx(5 / 7)


def test_ratios_of_nothing_are_nan_not_zero():
    empty = mm.as_pitches([None, None])
    assert math.isnan(mm.in_key_ratio(empty, C_MAJOR.mask))
    assert math.isnan(mm.direction_adherence(mm.as_pitches([60, 60, 60]), "up"))
    assert math.isnan(mm.cadence_rate(empty, np.zeros(0, int), 0))
    assert mm.longest_run(empty) == 0


def test_pitch_class_distribution_counts_octaves_together_and_from_a_tonic():
    p = mm.as_pitches([60, 72, 67, None])
    counts = mm.pitch_class_counts(p)
    assert counts[0] == 2 and counts[7] == 1 and counts.sum() == 3
    assert mm.distribution(counts)[0] == pytest.approx(2 / 3)
    from_g = mm.pitch_class_counts(p, tonic=7)  # G is degree 0, C is degree 5
    assert from_g[0] == 1 and from_g[5] == 2


def test_interval_histogram_clips_wide_leaps_into_the_end_bins():
    hist = mm.interval_histogram(mm.as_pitches([60, 62, 60, 80, 60]))
    centre = mm.MAX_INTERVAL
    assert hist.size == 2 * mm.MAX_INTERVAL + 1
    assert hist[centre + 2] == 1 and hist[centre - 2] == 1
    assert hist[-1] == 1 and hist[0] == 1  # +20 and -20
    assert hist.sum() == 4


def test_direction_adherence_of_a_strictly_rising_line():
    rising = mm.as_pitches(C_SCALE)
    assert mm.direction_adherence(rising, "up") == 1.0
    assert mm.direction_adherence(rising, "down") == 0.0
    assert mm.direction_adherence(rising[::-1], "down") == 1.0


def test_direction_adherence_ignores_repeated_notes_and_rejects_other_words():
    p = mm.as_pitches([60, 60, 62, None, 62, 60, 64])  # moves: +2, -2, +4
    assert mm.direction_adherence(p, "up") == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="up or down"):
        mm.direction_adherence(p, "auto")


def test_step_share():
    # intervals: +2 (step), 0 (repeat), +5 (leap), -1 (step)
    assert mm.step_share(mm.as_pitches([60, 62, 62, 67, 66])) == pytest.approx(2 / 4)


def test_phrase_ends_before_rests_on_long_notes_and_at_the_end():
    p = mm.as_pitches([60, 62, 64, None, 65, 67, 69, 71, 72])
    d = np.array([240, 240, 240, 240, 240, 960, 240, 240, 240])
    # 64 comes before a rest, 67 is long (4x the median 8th), 72 is last
    assert mm.phrase_ends(p, d).tolist() == [2, 5, 8]


def test_a_quarter_among_quarters_is_no_phrase_end():
    p, d = line(C_SCALE)
    assert mm.phrase_ends(p, d).tolist() == [7]


def test_cadence_rate_counts_phrase_ends_on_the_tonic():
    p = mm.as_pitches([64, 62, 60, None, 64, 65, 67, None, 67, 64, 62, 60])
    d = np.full(p.size, 240)
    ends = mm.phrase_ends(p, d)
    assert p[ends].tolist() == [60, 67, 60]
    assert mm.cadence_rate(p, ends, 0) == pytest.approx(2 / 3)
    assert mm.cadence_rate(p, ends, 7) == pytest.approx(1 / 3)  # on G


def test_longest_run_counts_across_rests():
    assert mm.longest_run(mm.as_pitches([60, 60, 62, 62, 62, 64])) == 3
    assert mm.longest_run(mm.as_pitches([60, 60, None, 60, 62])) == 3
    assert mm.longest_run(mm.as_pitches(C_SCALE)) == 1


def test_repeated_ngram_rate_of_a_repeated_motif():
    motif = [60, 62, 64, 65]
    p = mm.as_pitches(motif * 4)  # 16 notes: 14 windows of 3, only 4 distinct
    assert mm.repeated_ngram_rate(p, 3) == pytest.approx(1 - 4 / 14)
    assert mm.repeated_ngram_rate(mm.as_pitches(CHROMATIC), 3) == 0.0
    assert math.isnan(mm.repeated_ngram_rate(mm.as_pitches([60, 62]), 3))


def test_entropy_of_uniform_and_single_distributions():
    assert mm.entropy_bits(np.ones(12)) == pytest.approx(math.log2(12))
    assert mm.entropy_bits(np.array([5.0, 0, 0])) == 0.0
    assert mm.entropy_bits(np.zeros(4)) == 0.0
    assert mm.pitch_class_entropy(mm.as_pitches(CHROMATIC)) == pytest.approx(math.log2(12))
    assert mm.pitch_class_entropy(mm.as_pitches(C_SCALE[:7])) == pytest.approx(math.log2(7))


def test_notes_per_bar_counts_rests_as_time_not_notes():
    p, d = line([60] * 8, 240)  # eight 8ths: one bar
    assert mm.notes_per_bar(p, d) == 8.0
    p = mm.as_pitches([60, None, 62, None])
    assert mm.notes_per_bar(p, np.full(4, Q)) == 2.0


def test_chunks_hold_whole_pieces_of_notes_and_drop_the_rest():
    p = mm.as_pitches([60, None, 62, 64, 65, None, 67])
    pieces = mm.chunks(p, np.arange(7), 2)
    assert [piece.tolist() for piece, _ in pieces] == [[60, mm.REST, 62], [64, 65]]
    assert pieces[0][1].tolist() == [0, 1, 2]


def test_tally_pools_counts_over_melodies():
    tally = Tally()
    p, d = line(C_SCALE)
    tally.add(p, d, C_MAJOR)
    p, d = line(CHROMATIC)
    tally.add(p, d, C_MAJOR)
    row = tally.row()
    assert row["melodies"] == 2 and row["notes"] == 20
    assert row["in_key"] == pytest.approx((8 + 7) / 20)
    assert row["up"] == 1.0 and tally.adherence("down") == 0.0
    assert row["notes_per_bar"] == 4.0
    assert row["cadence"] == 0.5  # the scale ends on C, the chromatic run on B
    assert row["max_run"] == 1


def test_tally_counts_the_samplers_own_cadences_when_given():
    tally = Tally()
    p, d = line([60, 62, 64, 67, 65, 64, 62, 60])
    tally.add(p, d, C_MAJOR, cadences=np.array([0, 0, 0, 1, 0, 0, 0, 1], bool))
    assert tally.row()["marked_cadence"] == 0.5
    assert math.isnan(Tally().row()["marked_cadence"])


def test_direction_adherence_from_notes_in_a_range_only():
    # up to the wall and back: from notes at most 81 every move rises; from above, it falls
    p = mm.as_pitches([76, 79, 81, 83, 84, 82, 84, 81])
    assert mm.direction_adherence(p, "up") == pytest.approx(5 / 7)
    assert mm.direction_adherence(p, "up", starts=(0, 81)) == 1.0
    assert mm.direction_adherence(p, "up", starts=(82, 127)) == pytest.approx(2 / 4)


def test_tally_adherence_away_from_the_walls_and_mean_pitch():
    tally = Tally()
    p, d = line([76, 79, 81, 83, 84, 82, 84, 81])
    tally.add(p, d, C_MAJOR)
    assert tally.adherence("up") == pytest.approx(5 / 7)
    assert tally.free_adherence("up") == 1.0  # the sampler's rising zone ends at A5 (81)
    assert tally.row()["mean_pitch"] == pytest.approx(np.mean([76, 79, 81, 83, 84, 82, 84, 81]))
    assert math.isnan(Tally().free_adherence("down"))


def _bars(*bars: list[int], rhythm: tuple[int, ...] = (480, 240, 240, 960)):
    pitches = [p for bar in bars for p in bar]
    durations = [d for _ in bars for d in rhythm]
    return np.array(pitches), np.array(durations)


def test_bar_recurrence_counts_exact_transposed_and_varied_bars() -> None:
    motif, other = [60, 62, 64, 60], [67, 65, 64, 62]
    same = _bars(motif, motif, motif)
    assert mm.bar_recurrence(*same) == (1.0, 0.0)
    transposed = _bars(motif, [p + 5 for p in motif])  # a copy a fourth up: still exact
    assert mm.bar_recurrence(*transposed) == (1.0, 0.0)
    sequence = _bars(motif, [62, 64, 65, 62])  # diatonic: same contour, other intervals
    assert mm.bar_recurrence(*sequence) == (0.0, 1.0)
    assert mm.bar_recurrence(*_bars(motif, other)) == (0.0, 0.0)


def test_bar_recurrence_finds_the_bars_of_a_tune_with_an_upbeat() -> None:
    pitches, durations = _bars([60, 62, 64, 60], [60, 62, 64, 60], [60, 62, 64, 60])
    upbeat = (np.concatenate([[67], pitches]), np.concatenate([[480], durations]))
    # the upbeat bar has one note (not counted), the first full bar has nothing before it
    assert mm.bar_recurrence(*upbeat) == (pytest.approx(2 / 3), 0.0)
