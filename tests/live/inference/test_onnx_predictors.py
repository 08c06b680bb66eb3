"""The live predictors on real exported models: one event at a time, they must reproduce
what the Keras model computes over the whole melody."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from musicai.live.encoding import Vocabulary
from musicai.live.errors import ModelFileError
from musicai.live.inference.onnx_predictors import StepPredictor, WindowPredictor, load_predictor
from musicai.live.inference.predictor import TheoryOnlyPredictor
from musicai.training.config import make_config

DATA = Path(__file__).parents[2] / "data" / "melodies"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Tiny stream and seed models trained for one epoch on real tunes, then exported."""
    from musicai.export.convert import ExportOptions, export
    from musicai.training.quiet import import_keras_quietly
    from musicai.training.train import train

    import_keras_quietly()
    root = tmp_path_factory.mktemp("predictors")
    made = {}
    for arch in ("stream", "seed"):
        config = make_config(arch, "tiny", epochs=1)
        train(DATA, root / arch, config, cache_dir=root / "cache", verbose=0)
        onnx_path = root / f"{arch}.onnx"
        export(root / arch, onnx_path, ExportOptions())
        made[arch] = (root / arch, onnx_path)
    return made


@pytest.fixture(scope="module")
def melody():
    from musicai.live.encoding.ingest import read_midi

    piece = read_midi(DATA / "bach" / "bwv10.7.mid")
    return piece.parts[0].events[:40]


def keras_probabilities(checkpoint: Path, events: list) -> tuple[np.ndarray, np.ndarray]:
    """Keras's pitch and duration probabilities at every position of the whole melody."""
    from musicai.training.batches import Frames
    from musicai.training.checkpoint import load_checkpoint
    from musicai.training.dataset import Melody

    loaded = load_checkpoint(checkpoint)
    model, config = loaded.model, loaded.config
    vocab = config.model.vocabulary()
    frames = Frames([Melody("m", "0" * 64, vocab.encode(events))], vocab)
    inputs, _ = frames.gather(np.arange(len(events))[None, :], np.zeros((1, 1), np.int64))
    if config.model.arch == "stream":
        out = model.predict_on_batch(inputs)
        return np.asarray(out["pitch"])[0], np.asarray(out["duration"])[0]
    w = config.model.window
    windows = {k: np.stack([v[0, t - w + 1:t + 1] for t in range(w - 1, len(events))])
               for k, v in inputs.items()}
    out = model.predict_on_batch(windows)
    return np.asarray(out["pitch"]), np.asarray(out["duration"])


def softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max())
    return e / e.sum()


def test_load_predictor_follows_the_metadata(models: dict) -> None:
    assert isinstance(load_predictor(models["stream"][1]), StepPredictor)
    assert isinstance(load_predictor(models["seed"][1]), WindowPredictor)
    assert isinstance(load_predictor("none"), TheoryOnlyPredictor)
    assert isinstance(load_predictor(None), TheoryOnlyPredictor)


def test_step_predictor_reproduces_the_whole_sequence(models: dict, melody: list) -> None:
    checkpoint, path = models["stream"]
    pitch_ref, duration_ref = keras_probabilities(checkpoint, melody)
    predictor = load_predictor(path)
    for t, event in enumerate(melody):
        pitch, duration = predictor.predict(event.harmony, event.instrument)
        np.testing.assert_allclose(softmax(pitch), pitch_ref[t], atol=1e-5)
        np.testing.assert_allclose(softmax(duration), duration_ref[t], atol=1e-5)
        predictor.commit(event)


def test_window_predictor_matches_full_windows(models: dict, melody: list) -> None:
    checkpoint, path = models["seed"]
    pitch_ref, duration_ref = keras_probabilities(checkpoint, melody)
    predictor = load_predictor(path)
    w = predictor.window
    for t, event in enumerate(melody):
        pitch, duration = predictor.predict(event.harmony, event.instrument)
        if t >= w - 1:
            np.testing.assert_allclose(softmax(pitch), pitch_ref[t - w + 1], atol=1e-5)
            np.testing.assert_allclose(softmax(duration), duration_ref[t - w + 1], atol=1e-5)
        predictor.commit(event)


@pytest.mark.parametrize("arch", ["stream", "seed"])
def test_predict_does_not_change_the_history(models: dict, melody: list, arch: str) -> None:
    predictor = load_predictor(models[arch][1])
    for event in melody[:10]:
        predictor.commit(event)
    first = predictor.predict(melody[10].harmony)
    predictor.predict(0b1111_1111_1111)  # a second look with another harmony
    again = predictor.predict(melody[10].harmony)
    np.testing.assert_array_equal(first[0], again[0])


@pytest.mark.parametrize("arch", ["stream", "seed"])
def test_commit_with_another_harmony_than_predicted(models: dict, melody: list,
                                                    arch: str) -> None:
    """The history holds the harmony the note really sounded over, not the one guessed."""
    path = models[arch][1]
    guessed, direct = load_predictor(path), load_predictor(path)
    for event in melody[:12]:
        guessed.predict(0)  # predicted over silence...
        guessed.commit(event)  # ...but it sounded over the event's own harmony
        direct.predict(event.harmony)
        direct.commit(event)
    np.testing.assert_allclose(guessed.predict(melody[12].harmony)[0],
                               direct.predict(melody[12].harmony)[0], atol=1e-6)


def test_notes_outside_the_model_range_are_absorbed_as_rests(models: dict, melody: list) -> None:
    predictor = load_predictor(models["stream"][1])
    predictor.commit(replace(melody[0], pitch=10))  # below the 88 keys: never a crash
    pitch, _ = predictor.predict(0)
    assert np.isfinite(pitch).all()


def test_reset_starts_a_new_melody(models: dict, melody: list) -> None:
    predictor = load_predictor(models["stream"][1])
    fresh = predictor.predict(0)[0].copy()
    for event in melody[:8]:
        predictor.predict(event.harmony)
        predictor.commit(event)
    assert not np.allclose(predictor.predict(0)[0], fresh)
    predictor.reset()
    np.testing.assert_allclose(predictor.predict(0)[0], fresh, atol=1e-6)


def test_a_corrupt_model_file_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "default.onnx"
    bad.write_bytes(b"\x08\x07garbage" * 100)
    with pytest.raises(ModelFileError) as err:
        load_predictor(bad)
    assert "default.onnx" in str(err.value) and "\n" not in str(err.value)


def test_the_style_input_follows_set_style(models: dict, melody: list) -> None:
    """``set_style`` feeds the style id the model learned, from the next event on."""
    from musicai.training.batches import Frames
    from musicai.training.checkpoint import load_checkpoint
    from musicai.training.dataset import Melody

    checkpoint, path = models["stream"]
    vocab = Vocabulary()
    frames = Frames([Melody("oneills/m.mid#1", "0" * 64, vocab.encode(melody))], vocab)
    inputs, _ = frames.gather(np.arange(len(melody))[None, :], np.zeros((1, 1), np.int64))
    assert set(inputs["style"].ravel().tolist()) == {vocab.style_id("oneills")}
    expected = np.asarray(load_checkpoint(checkpoint).model.predict_on_batch(inputs)["pitch"])[0]
    predictor = load_predictor(path)
    assert predictor.styles == vocab.styles
    plain = softmax(predictor.predict(melody[0].harmony)[0])
    predictor.set_style("oneills")
    for t, event in enumerate(melody[:16]):
        pitch, _ = predictor.predict(event.harmony, event.instrument)
        np.testing.assert_allclose(softmax(pitch), expected[t], atol=1e-5)
        predictor.commit(event)
    assert not np.allclose(plain, expected[0], atol=1e-6)  # the style input is not ignored


def test_an_unknown_style_is_one_line(models: dict) -> None:
    predictor = load_predictor(models["stream"][1])
    with pytest.raises(ValueError, match="no style 'polka'; this model knows any, bach"):
        predictor.set_style("polka")


def test_a_v1_model_file_still_plays_under_v1(tmp_path: Path, melody: list) -> None:
    """Encoding 1 (no bar context, no style): fed as before, and it says it has no styles."""
    from musicai.export.convert import ExportOptions, export
    from musicai.live.inference.model_file import open_model
    from musicai.training.train import train

    config = make_config("stream", "tiny", epochs=1, encoding=1)
    train(DATA, tmp_path / "v1", config, cache_dir=tmp_path / "cache", verbose=0)
    export(tmp_path / "v1", tmp_path / "v1.onnx", ExportOptions())
    model = open_model(tmp_path / "v1.onnx")
    assert model.metadata.vocabulary.version == 1
    assert {t.name for t in model.metadata.inputs} == {"prev_pitch", "prev_duration",
                                                       "harmony", "instrument"}
    pitch_ref, _ = keras_probabilities(tmp_path / "v1", melody)
    predictor = load_predictor(tmp_path / "v1.onnx")
    assert predictor.styles == ()
    with pytest.raises(ValueError, match="no styles"):
        predictor.set_style("bach")
    for t, event in enumerate(melody[:12]):
        pitch, _ = predictor.predict(event.harmony, event.instrument)
        np.testing.assert_allclose(softmax(pitch), pitch_ref[t], atol=1e-5)
        predictor.commit(event)
