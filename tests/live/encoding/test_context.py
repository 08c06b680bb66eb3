"""Encoding v2's bar context: read from real files, and the same live as in training."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from musicai.live.encoding import Vocabulary
from musicai.live.encoding.context import (
    OFF_GRID,
    BarContext,
    bar_level,
    bar_positions,
    melody_context,
    position_id,
)
from musicai.live.encoding.ingest import read_midi
from musicai.live.theory.meter import bar_levels

from tests import midi_factory as mf

VOCAB = Vocabulary()
TICKS = np.asarray(VOCAB.durations, dtype=np.int64)


def test_an_upbeat_and_a_meter_change_place_the_notes_in_their_bars(tmp_path: Path) -> None:
    # A quarter upbeat in 3/4 (first note at beat 3), then 2/4 from tick 1440 * 2.
    notes = [(960 + i * 480, 480, 60 + i % 5) for i in range(12)]
    meter = mf.conductor(numerator=3, denominator=4,
                         changes=[(2880, "time_signature", {"numerator": 2, "denominator": 4})])
    path = mf.write(tmp_path / "upbeat.mid", [meter, mf.notes_track(notes)])
    piece = read_midi(path, min_notes=4)
    position, bar = piece.positions(piece.parts[0])
    assert position[:5].tolist() == [960, 0, 480, 960, 0]  # beat 3, then bar 2 of 3/4
    assert bar[:4].tolist() == [1440] * 4
    assert position[4:8].tolist() == [0, 480, 0, 480] and bar[4] == 960  # 2/4 from tick 2880


def test_the_corpus_folders_read_with_their_bars() -> None:
    """Real tunes: most notes start on a beat, and downbeats are commoner than any 16th."""
    files = sorted(Path("tests/data/melodies/essen").glob("*.mid"))[:10]
    assert files
    levels = []
    for path in files:
        piece = read_midi(path)
        for part in piece.parts:
            position, bar = piece.positions(part)
            levels += [bar_level(int(p), int(b)) for p, b in zip(position, bar, strict=True)]
    share = np.bincount(levels, minlength=5) / len(levels)
    assert share[:3].sum() > 0.5 and share[0] > share[4]


def test_levels_are_the_samplers_levels() -> None:
    assert [bar_level(t, 1920) for t in range(0, 1920, 20)] == bar_levels(4, 480).tolist()


def test_positions_are_16th_slots() -> None:
    assert [position_id(t) for t in (0, 120, 1800, 60, 3840 + 120)] == [0, 1, 15, OFF_GRID, 31]
    position, bar = bar_positions(np.array([0, 1920, 2000]), [])
    assert position.tolist() == [0, 0, 80] and bar.tolist() == [1920] * 3


def _live(pitch: np.ndarray, ticks: np.ndarray, bar_ticks: int) -> dict[str, list]:
    context = BarContext(VOCAB.bos_id, bar_ticks)
    rows: dict[str, list] = {k: [] for k in ("position", "level", "lookback_1", "lookback_2",
                                            "repeating")}
    onset = 0
    for p, d in zip(pitch.tolist(), ticks.tolist(), strict=True):
        position, level, b1, b2, r1, r2 = context.frame(onset)
        for key, value in zip(rows, (position, level, b1, b2, [r1, r2]), strict=True):
            rows[key].append(value)
        context.commit(p, d, onset)
        onset += d
    return rows


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.sampled_from([2, 5, 8, 5, 8, 11])),
                min_size=1, max_size=80),
       st.sampled_from([1920, 1440, 960]))
def test_live_context_equals_the_training_context(events: list[tuple[int, int]],
                                                  bar_ticks: int) -> None:
    """What a v2 model hears live is what it learned from, event for event."""
    pitch = np.array([0 if p == 0 else 40 + p for p, _ in events])
    ticks = TICKS[[d for _, d in events]]
    onsets = np.cumsum(ticks) - ticks
    trained = melody_context(pitch, ticks, onsets % bar_ticks, np.full(len(pitch), bar_ticks),
                             VOCAB.bos_id)
    live = _live(pitch, ticks, bar_ticks)
    for key in ("position", "level", "lookback_1", "lookback_2"):
        assert trained[key].tolist() == live[key], key
    assert trained["repeating"].tolist() == live["repeating"]


def test_a_repeated_bar_is_seen_as_a_repeat() -> None:
    motif = [5, 7, 9, 5]  # four quarters
    pitch = np.array(motif * 3)
    ticks = np.full(12, 480)
    onsets = np.cumsum(ticks) - ticks
    c = melody_context(pitch, ticks, onsets % 1920, np.full(12, 1920), VOCAB.bos_id)
    assert c["lookback_1"][:4].tolist() == [VOCAB.bos_id] * 4
    assert c["lookback_1"][4:].tolist() == motif * 2
    assert c["lookback_2"][8:].tolist() == motif
    assert c["repeating"][:, 0].tolist() == [0] * 5 + [1] * 7  # told one event later


@pytest.mark.parametrize("gap", [240, 960])
def test_a_gap_in_live_input_reads_as_a_rest(gap: int) -> None:
    context = BarContext(VOCAB.bos_id)
    context.commit(30, 480, 0)
    context.commit(32, 480, 480 + gap)  # a jam: the player left a gap
    assert context.sounding(480 + gap // 2) == 0 and context.sounding(100) == 30
    assert context.frame(1920 + 100)[2] == 30
