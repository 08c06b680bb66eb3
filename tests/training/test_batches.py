"""Training examples cut from melodies: frames, transposition, windows, padding, caps."""

from __future__ import annotations

import numpy as np
from musicai.live.encoding import EncodedMelody, NoteEvent, Vocabulary
from musicai.training.batches import Frames, SequenceBatches, WindowBatches
from musicai.training.dataset import Melody

VOCAB = Vocabulary()


def melody(pitches: list[int | None], name: str = "m") -> Melody:
    events = [NoteEvent(p, 240, harmony=0b1001_0001) for p in pitches]  # C major triad
    return Melody(name, name * 64, VOCAB.encode(events))


def test_frames_hold_the_previous_event_and_the_next_harmony() -> None:
    frames = Frames([melody([60, None, 64]), melody([70, 72])], VOCAB)
    assert frames.pitch_in.tolist() == [VOCAB.bos_id, VOCAB.pitch_id(60), VOCAB.pitch_id(None),
                                        VOCAB.bos_id, VOCAB.pitch_id(70)]
    assert frames.duration_in[0] == VOCAB.duration_bos_id
    assert frames.pitch_out.tolist() == [VOCAB.pitch_id(p) for p in (60, None, 64, 70, 72)]


def test_transposition_moves_notes_and_harmony_but_not_rests_or_bos() -> None:
    frames = Frames([melody([60, None, 64])], VOCAB)
    inputs, targets = frames.gather(np.arange(3)[None, :], np.array([[2]]))
    assert targets["pitch"][0].tolist() == [VOCAB.pitch_id(62), 0, VOCAB.pitch_id(66)]
    assert inputs["prev_pitch"][0].tolist() == [VOCAB.bos_id, VOCAB.pitch_id(62), 0]
    d_major_triad = {2, 6, 9}
    assert set(np.flatnonzero(inputs["harmony"][0, 0])) == d_major_triad


def test_transpositions_that_leave_the_range_are_never_drawn() -> None:
    frames = Frames([melody([106, 107, 108, 100])], VOCAB)  # C8 is the top key
    allowed = frames.allowed([-1, 0, 1])
    assert allowed.tolist() == [[True, True, False]]
    batches = WindowBatches(frames, 2, batch_size=8, shifts=(1,), augment="random",
                            shuffle=True, seed=0)
    for i in range(len(batches)):
        _, targets = batches[i]
        assert targets["pitch"].max() <= VOCAB.n_pitches - 1


def test_windows_end_on_their_target() -> None:
    frames = Frames([melody([60, 62, 64, 65, 67])], VOCAB)
    batches = WindowBatches(frames, 3, batch_size=10, shifts=(0,), augment="random",
                            shuffle=False, seed=0)
    inputs, targets = batches[0]
    assert batches.examples == 3
    assert targets["pitch"].tolist() == [VOCAB.pitch_id(p) for p in (64, 65, 67)]
    assert inputs["prev_pitch"][0].tolist() == [VOCAB.bos_id, VOCAB.pitch_id(60),
                                                VOCAB.pitch_id(62)]


def test_augment_all_yields_every_transposition() -> None:
    frames = Frames([melody([60, 62, 64, 65])], VOCAB)
    batches = WindowBatches(frames, 2, batch_size=100, shifts=(-1, 0, 1), augment="all",
                            shuffle=False, seed=0)
    assert batches.examples == 3 * 3


def test_sequences_pad_with_zero_weight() -> None:
    frames = Frames([melody([60, 62, 64, 65, 67])], VOCAB)
    batches = SequenceBatches(frames, 4, batch_size=8, shifts=(0,), augment="random",
                              shuffle=False, seed=0)
    _, targets, weights = batches[0]
    assert weights["pitch"].tolist() == [[1, 1, 1, 1], [1, 0, 0, 0]]
    assert targets["pitch"][1, 0] == VOCAB.pitch_id(67)


def test_capped_validation_is_the_same_random_sample_every_epoch() -> None:
    frames = Frames([melody(list(range(50, 90)), name=str(i)) for i in range(5)], VOCAB)
    val = WindowBatches(frames, 4, batch_size=8, shifts=(0,), augment="random",
                        shuffle=False, seed=7, max_steps=3)
    assert len(val) == 3
    first = [val[i][1]["pitch"].tolist() for i in range(3)]
    val.on_epoch_end()
    assert [val[i][1]["pitch"].tolist() for i in range(3)] == first
    assert len({tuple(p) for p in first}) == 3  # a sample across the data, not one melody


def test_encoded_melody_lengths_agree() -> None:
    m = melody([60, 62])
    assert isinstance(m.notes, EncodedMelody) and len(m) == 2


def test_augment_tonic_moves_every_melody_to_c() -> None:
    """Scale degrees: a tune in D and one in G minor both arrive on a tonic of C, by the
    smallest shift that keeps them in range (none for a tune already in C)."""
    d_major = [62, 64, 66, 67, 69, 71, 73, 74, 69, 66, 62, 62]
    g_minor = [67, 69, 70, 72, 74, 75, 77, 79, 74, 70, 67, 67]
    c_major = [60, 62, 64, 65, 67, 69, 71, 72, 67, 64, 60, 60]
    frames = Frames([melody(d_major, "d"), melody(g_minor, "g"), melody(c_major, "c")], VOCAB)
    assert frames.tonic_shift.tolist() == [-2, 5, 0]
    batches = SequenceBatches(frames, 12, batch_size=8, shifts=(3,), augment="tonic",
                              shuffle=False, seed=0)
    _, targets, _ = batches[0]
    assert targets["pitch"][0].tolist() == [VOCAB.pitch_id(p - 2) for p in d_major]
    assert targets["pitch"][1].tolist() == [VOCAB.pitch_id(p + 5) for p in g_minor]
    assert targets["pitch"][2].tolist() == [VOCAB.pitch_id(p) for p in c_major]


def test_augment_tonic_picks_another_octave_at_the_top_of_the_range() -> None:
    """G major up to B7: +5 would leave the range (C8 is the top), so it goes down 7."""
    high_g = [91, 93, 95, 96, 98, 100, 102, 103, 107, 103, 98, 95, 91, 91]
    frames = Frames([melody(high_g)], VOCAB)
    assert frames.tonic_shift.tolist() == [-7]
