"""musicai-export on real (tiny) checkpoints: graphs, op census, parity, metadata, the CLI.

The checkpoints are tiny-preset models with deterministic random weights (batch-norm
statistics included, so no layer is an identity) saved as training saves them: config.json,
best.weights.h5, summary.json and heldout.json. Each is exported once per module and shared.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest

pytest.importorskip("tf2onnx")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from musicai.export.cli import main
from musicai.export.convert import ExportOptions, export
from musicai.export.errors import VerificationError
from musicai.export.graph import op_census
from musicai.export.runners import run_sequence, run_stepwise, softmax
from musicai.export.sequences import frames, synthetic_melodies
from musicai.live.encoding import ENCODING_VERSION, Vocabulary
from musicai.live.inference.model_file import open_model

SUMMARY = {"data": {"sets": ["bach"], "pieces": 3, "events": 1234, "folder": "data/x"},
           "result": {"train_seconds": 12.5, "epochs_run": 3}, "wall_seconds": 14.0,
           "total_wall_seconds": 30.5,
           "hardware": {"cores": 2, "backend": "tensorflow"}}
HELDOUT = {"targets": 321, "nll": 4.25}

pytestmark = pytest.mark.slow


def make_checkpoint(folder: Path, arch: str) -> Path:
    """A tiny checkpoint with random weights, written like musicai-train writes one."""
    from musicai.training.config import make_config
    from musicai.training.models import build_model

    config = make_config(arch, "tiny")
    model = build_model(config, Vocabulary())
    rng = np.random.default_rng(11)
    for weight in model.weights:
        shape = tuple(weight.shape)
        values = (rng.uniform(0.5, 1.5, shape) if "variance" in weight.path
                  else rng.normal(0.0, 0.3, shape))
        weight.assign(values.astype("float32"))
    folder.mkdir(parents=True)
    model.save_weights(folder / "best.weights.h5")
    (folder / "config.json").write_text(config.to_json())
    (folder / "summary.json").write_text(json.dumps(SUMMARY))
    (folder / "heldout.json").write_text(json.dumps(HELDOUT))
    return folder


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("export")


@pytest.fixture(scope="module")
def checkpoints(work: Path) -> dict[str, Path]:
    return {arch: make_checkpoint(work / f"ck_{arch}", arch) for arch in ("seed", "stream")}


@pytest.fixture(scope="module")
def exported(work: Path, checkpoints: dict[str, Path]) -> dict[str, tuple[Path, object]]:
    """arch -> (model path, ExportResult); the stream model also gets its int8 twin."""
    out = {}
    for arch, folder in checkpoints.items():
        path = work / "models" / f"{arch}.onnx"
        out[arch] = (path, export(folder, path, ExportOptions(quantize=arch == "stream")))
    return out


def census(path: Path):
    import onnx

    return op_census(onnx.load(str(path)))


@pytest.mark.parametrize("arch, lstm_ops", [("seed", 3), ("stream", 2)])
def test_census_native_lstm_no_loop(exported: dict, arch: str, lstm_ops: int) -> None:
    ops = census(exported[arch][0])
    assert ops["LSTM"] == lstm_ops
    assert ops["Loop"] == 0 and ops["Scan"] == 0


@pytest.mark.parametrize("arch", ["seed", "stream"])
def test_parity_with_keras_within_1e5(exported: dict, arch: str) -> None:
    report = exported[arch][1].report
    assert report.passed
    parity = [c for c in report.checks if c.name in ("windows", "stepwise", "sequence")]
    assert parity and all(c.passed for c in parity)
    assert all("max |dp|" in c.detail for c in parity)


def test_stepping_reproduces_keras_at_every_position(exported: dict,
                                                     checkpoints: dict) -> None:
    """Independent of verify.py: step one event at a time with carried states."""
    from musicai.export.checkpoint import load_checkpoint

    keras_model = load_checkpoint(checkpoints["stream"]).model
    model = open_model(exported["stream"][0])
    inputs, _ = frames(synthetic_melodies(1, 40, seed=3)[0], Vocabulary())
    expected = np.asarray(keras_model(inputs, training=False)["pitch"])[0]
    stepped = softmax(run_stepwise(model, inputs)["pitch_logits"])
    whole = softmax(run_sequence(model, inputs)["pitch_logits"])
    per_position = np.abs(stepped - expected).max(axis=-1)
    assert per_position.shape == (40,)
    assert per_position.max() <= 1e-5
    assert np.abs(whole - expected).max() <= 1e-5


def test_step_graph_tensors(exported: dict) -> None:
    model = open_model(exported["stream"][0])
    inputs = {i.name: i.shape for i in model.session.get_inputs()}
    outputs = {o.name for o in model.session.get_outputs()}
    assert set(inputs) == {"prev_pitch", "prev_duration", "harmony", "instrument",
                           "position", "level", "lookback_1", "lookback_2", "repeating", "style",
                           "h_in_0", "c_in_0", "h_in_1", "c_in_1"}
    assert inputs["h_in_0"] == [1, "batch", 16] and inputs["prev_pitch"] == ["batch", "time"]
    assert inputs["repeating"] == ["batch", "time", 2]
    gathers = [n for n in onnx.load(str(exported["stream"][0])).graph.node if n.op_type == "Gather"]
    tables = {n.input[0] for n in gathers}
    assert len(gathers) == 8 and len(tables) == 6  # the lookbacks share the pitch table
    assert outputs == {"pitch_logits", "duration_logits", "h_out_0", "c_out_0",
                       "h_out_1", "c_out_1"}


def test_window_graph_tensors(exported: dict) -> None:
    model = open_model(exported["seed"][0])
    inputs = {i.name: i.shape for i in model.session.get_inputs()}
    assert inputs["prev_pitch"] == ["batch", 8] and inputs["harmony"] == ["batch", 8, 12]
    assert {o.name for o in model.session.get_outputs()} == {
        "pitch_probs", "duration_probs", "pitch_logits", "duration_logits"}


@pytest.mark.parametrize("arch", ["seed", "stream"])
def test_metadata_round_trip(exported: dict, arch: str) -> None:
    meta = open_model(exported[arch][0]).metadata
    assert meta.architecture == arch and meta.encoding_version == ENCODING_VERSION
    assert meta.vocabulary.to_json() == Vocabulary().to_json()
    assert meta.training_config["model"]["arch"] == arch
    assert meta.training_config["preset"] == "tiny"
    assert meta.data == SUMMARY["data"] and meta.heldout == HELDOUT
    assert meta.training["result"]["train_seconds"] == 12.5
    assert meta.training["hardware"]["cores"] == 2
    assert meta.training["total_wall_seconds"] == 30.5  # a resumed run's whole time
    assert meta.source_commit != "" and meta.exported_at.endswith("+00:00")
    assert {"tensorflow", "tf2onnx", "onnx", "onnxruntime"} <= set(meta.tools)
    assert meta.window == (8 if arch == "seed" else None)
    assert len(meta.states) == (2 if arch == "stream" else 0)
    assert meta.quantization is None


def test_quantized_twin(exported: dict) -> None:
    path, result = exported["stream"]
    int8 = path.with_name("stream.int8.onnx")
    assert result.quant.path == int8 and int8.is_file()
    ops = census(int8)
    assert ops["DynamicQuantizeLSTM"] == 2 and ops["Loop"] == 0
    meta = open_model(int8).metadata
    assert meta.quantization["type"] == "int8-dynamic"
    assert meta.heldout == HELDOUT
    lines = "\n".join(result.quant.lines())
    assert "NLL" in lines and "synthetic" in lines and "latency" in lines
    assert np.isfinite(result.quant.int8_model.nll)


def test_failed_verification_writes_nothing(work: Path, checkpoints: dict) -> None:
    out = work / "failing" / "never.onnx"
    with pytest.raises(VerificationError) as caught:
        export(checkpoints["stream"], out, ExportOptions(tolerance=-1.0))
    assert "nothing was written" in str(caught.value)
    assert any("FAILED" in line for line in caught.value.details)
    assert not out.exists() and list(out.parent.iterdir()) == []


def test_verify_file_alone(exported: dict, capsys: pytest.CaptureFixture) -> None:
    assert main(["--verify", str(exported["stream"][0])]) == 0
    out = capsys.readouterr().out
    assert "LSTM 2" in out and "MB" in out and "FAILED" not in out


def test_verify_against_checkpoint(exported: dict, checkpoints: dict,
                                   capsys: pytest.CaptureFixture) -> None:
    code = main(["--verify", str(exported["seed"][0]), "--checkpoint",
                 str(checkpoints["seed"])])
    out = capsys.readouterr().out
    assert code == 0 and "windows   ok" in out and "LSTM 3" in out


def test_cli_export_then_refuses_to_overwrite(work: Path, checkpoints: dict,
                                              capsys: pytest.CaptureFixture) -> None:
    out = work / "cli" / "stream.onnx"
    assert main([str(checkpoints["stream"]), "--out", str(out), "--opset", "17"]) == 0
    assert out.is_file() and "wrote" in capsys.readouterr().out
    assert main([str(checkpoints["stream"]), "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err


def test_cli_missing_checkpoint_exits_2_without_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "musicai.export.cli", str(tmp_path / "nope"),
         "--out", str(tmp_path / "m.onnx")], capture_output=True, text=True)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "no such checkpoint folder" in done.stderr


def test_cli_corrupt_file_exits_1_with_one_line(tmp_path: Path,
                                                capsys: pytest.CaptureFixture) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(np.random.default_rng(1).bytes(2048))
    assert main(["--verify", str(bad)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a readable ONNX model" in err[0]


def test_frames_match_training_batches() -> None:
    """export/sequences.py builds inputs exactly as training.batches.Frames does."""
    batches = pytest.importorskip("musicai.training.batches")
    dataset = pytest.importorskip("musicai.training.dataset")
    vocab = Vocabulary()
    melody = synthetic_melodies(1, 30, seed=5)[0]
    ours, targets = frames(melody, vocab)
    theirs, their_targets = batches.Frames([dataset.Melody("m", "p", melody)], vocab).gather(
        np.arange(30)[None], np.zeros(1, np.int64))
    for key in ours:
        np.testing.assert_array_equal(ours[key], theirs[key])
    for key in targets:
        np.testing.assert_array_equal(targets[key], their_targets[key][0])


def test_export_with_held_out_data(work: Path, checkpoints: dict) -> None:
    """--data: verification and scoring run on the held-out melodies of a MIDI folder."""
    from midi_factory import melody_file, scale_notes

    data = work / "midi"
    data.mkdir()
    for i in range(12):
        notes = scale_notes(24 + i, low=55 + i, step=240 * (1 + i % 3), length=200)
        melody_file(data / f"piece{i:02d}.mid", notes)
    result = export(checkpoints["seed"], work / "with_data" / "seed.onnx",
                    ExportOptions(data=data, cache_dir=work / "cache"))
    windows = next(c for c in result.report.checks if c.name == "windows")
    assert windows.passed and "held-out melodies of" in windows.detail
