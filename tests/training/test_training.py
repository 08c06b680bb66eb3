"""Training for real: tiny models on real MIDI tunes (Essen folksongs, Bach chorales) plus
broken files, through the same process the shipped models used."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from musicai.training.config import make_config

DATA = Path(__file__).parents[1] / "data" / "melodies"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def keras_quiet():
    from musicai.training.quiet import import_keras_quietly

    return import_keras_quietly()


@pytest.fixture(scope="module")
def trained(tmp_path_factory, keras_quiet):
    """One tiny run of each architecture on the same data, shared by the tests below."""
    from musicai.training.train import train

    root = tmp_path_factory.mktemp("runs")
    cache = root / "cache"
    results = {}
    for arch in ("stream", "seed"):
        config = make_config(arch, "tiny", epochs=3)
        results[arch] = train(DATA, root / arch, config, cache_dir=cache, verbose=0)
    return root, cache, results


def history_rows(folder: Path) -> list[dict]:
    with open(folder / "history.csv", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("arch", ["stream", "seed"])
def test_a_run_leaves_everything_a_user_needs(trained, arch: str) -> None:
    root, _, results = trained
    out = root / arch
    for name in ("config.json", "best.weights.h5", "last.weights.h5", "history.csv",
                 "history.png", "summary.json", "split.json"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "history.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = history_rows(out)
    assert len(rows) == 3
    assert {"loss", "val_loss", "pitch_acc", "val_pitch_acc", "learning_rate"} <= set(rows[0])
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left
    summary = json.loads((out / "summary.json").read_text())
    assert summary["data"]["files_skipped"] == 2  # the two broken files, skipped not fatal
    assert summary["data"]["pieces"] == 43
    assert summary["result"]["targets_per_second"] > 0
    assert results[arch].best_val_loss == pytest.approx(min(float(r["val_loss"]) for r in rows))


@pytest.mark.parametrize("arch", ["stream", "seed"])
def test_training_lowers_the_loss(trained, arch: str) -> None:
    rows = history_rows(trained[0] / arch)
    assert float(rows[-1]["loss"]) < float(rows[0]["loss"])


def test_both_architectures_hold_out_the_same_pieces(trained) -> None:
    root = trained[0]
    splits = [json.loads((root / arch / "split.json").read_text()) for arch in ("stream", "seed")]
    assert splits[0]["held_out_pieces"] == splits[1]["held_out_pieces"]
    assert splits[0]["held_out_pieces"]
    assert sorted(s for s, _ in splits[0]["skipped_files"]) == [
        "broken/notes.mid", "broken/truncated-chorale.mid"]


@pytest.mark.parametrize("arch", ["stream", "seed"])
def test_evaluate_scores_held_out_pieces(trained, arch: str) -> None:
    from musicai.training.heldout import evaluate

    root, cache, _ = trained
    metrics = evaluate(root / arch, DATA, cache_dir=cache)
    assert metrics.targets > 20
    assert 0.0 < metrics.nll < 12.0
    assert metrics.nll == pytest.approx(metrics.pitch_nll + metrics.duration_nll)
    assert 0.0 <= metrics.pitch_top1 <= metrics.pitch_top5 <= 1.0
    assert 0.0 <= metrics.duration_accuracy <= 1.0


@pytest.mark.parametrize("arch", ["stream", "seed"])
def test_best_weights_reproduce_the_best_validation_loss(trained, arch: str) -> None:
    """The checkpoint is the best epoch's (restore + checkpoint wiring), and the loss training
    reports is the NLL per event: padded positions of stream sequences do not dilute it."""
    from musicai.live.encoding import Vocabulary
    from musicai.training.checkpoint import load_checkpoint
    from musicai.training.dataset import load_folder, split_by_piece
    from musicai.training.heldout import score
    from musicai.training.train import make_batches

    root, cache, results = trained
    loaded = load_checkpoint(root / arch)
    config, vocab = loaded.config, Vocabulary()
    corpus = load_folder(DATA, vocab, min_notes=config.min_notes, cache_dir=cache)
    _, validation, _ = make_batches(config, *split_by_piece(corpus, config.validation_fraction),
                                    vocab)
    metrics = score(loaded.model, validation)  # the very batches training validated on
    assert metrics.nll == pytest.approx(results[arch].best_val_loss, rel=1e-3)


def test_resume_continues_the_history(tmp_path, keras_quiet) -> None:
    from musicai.training.train import train

    config = make_config("stream", "tiny", epochs=2)
    out = tmp_path / "run"
    train(DATA, out, config, cache_dir=tmp_path / "cache", verbose=0)
    again = make_config("stream", "tiny", epochs=4)
    result = train(DATA, out, again, resume=True, cache_dir=tmp_path / "cache", verbose=0)
    assert len(history_rows(out)) == 4
    assert [int(r["epoch"]) for r in history_rows(out)] == [0, 1, 2, 3]
    assert result.epochs_run == 4


def test_early_stopping_ends_a_run_that_stops_improving(tmp_path, keras_quiet) -> None:
    from musicai.training.train import train

    config = make_config("stream", "tiny", epochs=20, learning_rate=0.0)
    result = train(DATA, tmp_path / "run", config, cache_dir=tmp_path / "cache", verbose=0)
    patience = config.early_stopping_patience
    assert result.epochs_run == patience + 1 < config.epochs


def test_a_resumed_run_remembers_its_best_epoch_and_patience(tmp_path, keras_quiet) -> None:
    """Resumed each session, a run must still stop early: the best loss and the epochs waited
    since it carry over, and the best checkpoint is not replaced by a worse epoch."""
    from musicai.training.train import train

    out = tmp_path / "run"
    train(DATA, out, make_config("stream", "tiny", epochs=2), cache_dir=tmp_path / "cache",
          verbose=0)
    history = out / "history.csv"
    rows = history.read_text().splitlines()
    header = rows[0].split(",")
    first = rows[1].split(",")
    first[header.index("val_loss")] = "0.0001"  # a first epoch no later one can beat
    history.write_text("\n".join([rows[0], ",".join(first), *rows[2:]]) + "\n")
    best_before = (out / "best.weights.h5").read_bytes()
    result = train(DATA, out, make_config("stream", "tiny", epochs=20), resume=True,
                   cache_dir=tmp_path / "cache", verbose=0)
    patience = make_config("stream", "tiny").early_stopping_patience  # 2, one already waited
    assert result.stopped_by == "early stopping"
    assert result.epochs_run == 1 + patience, result
    assert result.best_epoch == 1
    assert (out / "best.weights.h5").read_bytes() == best_before
    summary = json.loads((out / "summary.json").read_text())
    assert summary["result"]["stopped_by"] == "early stopping"
    assert summary["total_wall_seconds"] > summary["wall_seconds"]


def test_a_time_budget_stops_between_epochs_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = run_cli("--data", str(DATA), "--arch", "stream", "--preset", "tiny", "--epochs", "50",
                   "--out", str(out), "--cache", str(tmp_path / "cache"),
                   "--time-budget", "0.001")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "stopped at the time budget (0.001 min): 1 epochs" in proc.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["result"]["stopped_by"] == "time budget"
    assert not summary["result"]["interrupted"]
    proc = run_cli("--data", str(DATA), "--arch", "stream", "--out", str(tmp_path / "o"),
                   "--time-budget", "0")
    assert_one_line_error(proc, 2, "--time-budget")


def test_the_same_seed_gives_the_same_model(tmp_path, keras_quiet) -> None:
    from musicai.training.train import train

    config = make_config("stream", "tiny", epochs=1)
    losses = []
    for name in ("a", "b"):
        train(DATA, tmp_path / name, config, cache_dir=tmp_path / "cache", verbose=0)
        losses.append(history_rows(tmp_path / name)[0]["val_loss"])
    assert losses[0] == losses[1]


# -- bad input through the command line: one line, the right exit code, nothing left behind --

def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "musicai.training.cli", *args],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def assert_one_line_error(proc: subprocess.CompletedProcess, code: int, *words: str) -> None:
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("musicai-train:")]
    assert len(lines) == 1, proc.stderr
    for word in words:
        assert word in lines[0]


def test_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    proc = run_cli("--data", str(tmp_path / "empty"), "--arch", "stream", "--out",
                   str(tmp_path / "out"))
    assert_one_line_error(proc, 1, "no MIDI files")
    assert not (tmp_path / "out").exists()


def test_folder_where_every_file_is_bad(tmp_path: Path) -> None:
    proc = run_cli("--data", str(DATA / "broken"), "--arch", "stream", "--out",
                   str(tmp_path / "out"), "--cache", str(tmp_path / "cache"))
    assert_one_line_error(proc, 1, "none of its 2 MIDI files", "musicai-data scan")
    assert not (tmp_path / "out").exists()


def test_window_longer_than_every_piece(tmp_path: Path) -> None:
    proc = run_cli("--data", str(DATA), "--arch", "seed", "--window", "5000", "--out",
                   str(tmp_path / "out"), "--cache", str(tmp_path / "cache"))
    assert_one_line_error(proc, 2, "window", "--window")
    assert not (tmp_path / "out").exists()


def test_unwritable_output_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    proc = run_cli("--data", str(DATA), "--arch", "stream", "--out", str(blocker / "out"))
    assert_one_line_error(proc, 2, "--out")


def test_missing_train_extra(tmp_path: Path) -> None:
    proc = run_cli("--data", str(DATA), "--arch", "stream", "--out", str(tmp_path / "out"),
                   "--cache", str(tmp_path / "cache"),
                   env={"KERAS_BACKEND": "no_such_backend_package"})
    assert_one_line_error(proc, 1, "pip install 'musicai[train]'")
    assert not (tmp_path / "out").exists()


def test_bad_values_are_usage_errors(tmp_path: Path) -> None:
    proc = run_cli("--data", str(DATA), "--arch", "stream", "--out", str(tmp_path / "o"),
                   "--epochs", "0")
    assert_one_line_error(proc, 2, "--epochs")
    proc = run_cli("--data", str(DATA), "--arch", "stream", "--out", str(tmp_path / "o"),
                   "--transpositions", "up")
    assert proc.returncode == 2 and "transposition" in proc.stderr
    proc = run_cli("--data", str(DATA), "--arch", "stream", "--out", str(tmp_path / "o"),
                   "--augment", "tonic", "--transpositions=-2..2")
    assert_one_line_error(proc, 2, "--transpositions", "--augment tonic")
    assert not (tmp_path / "o").exists()


def test_evaluate_on_a_folder_that_is_not_a_checkpoint(tmp_path: Path) -> None:
    proc = run_cli("evaluate", str(tmp_path), "--data", str(DATA))
    assert_one_line_error(proc, 2, "not a training output")


def test_sigterm_stops_like_ctrl_c_and_keeps_the_best_weights(tmp_path: Path) -> None:
    import signal
    import time

    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "musicai.training.cli", "--data", str(DATA), "--arch", "stream",
         "--preset", "tiny", "--epochs", "500", "--out", str(out), "--cache",
         str(tmp_path / "cache")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    history = out / "history.csv"

    def epochs_logged() -> int:  # the CSV row is the last thing an epoch's end writes
        return max(0, len(history.read_text().splitlines()) - 1) if history.exists() else 0

    while epochs_logged() < 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert (out / "best.weights.h5").exists() and epochs_logged() >= 1, "no epoch in time"
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "interrupted; best weights so far kept" in stdout
    assert "Traceback" not in stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["result"]["interrupted"] is True
    assert summary["result"]["epochs_run"] >= 1


JAX_TWO_CPUS = {"KERAS_BACKEND": "jax", "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}


def test_data_parallel_trains_on_two_devices(tmp_path: Path, keras_quiet) -> None:
    """--data-parallel on two simulated JAX CPU devices: batches split over both (an odd last
    batch is trimmed to split evenly), and the weights load back for export on TensorFlow."""
    from musicai.training.checkpoint import load_checkpoint

    out = tmp_path / "dp"
    proc = run_cli("--data", str(DATA), "--arch", "stream", "--preset", "tiny", "--epochs", "2",
                   "--out", str(out), "--cache", str(tmp_path / "cache"), "--data-parallel",
                   env=JAX_TWO_CPUS)
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["hardware"]["backend"] == "jax"
    assert summary["hardware"]["devices"] == ["cpu:0", "cpu:1"]
    assert summary["result"]["epochs_run"] == 2 and not summary["result"]["interrupted"]
    assert load_checkpoint(out).model.count_params() > 0


def test_data_parallel_refuses_a_single_device(tmp_path: Path) -> None:
    proc = run_cli("--data", str(DATA), "--arch", "stream", "--preset", "tiny", "--out",
                   str(tmp_path / "one"), "--cache", str(tmp_path / "cache"), "--data-parallel",
                   env={"KERAS_BACKEND": "jax", "XLA_FLAGS": ""})
    assert_one_line_error(proc, 2, "--data-parallel needs", "several devices")


def test_an_exported_stream_model_scores_like_its_checkpoint(trained, tmp_path: Path) -> None:
    """`musicai-train evaluate MODEL.onnx` plays each held-out melody through the live step
    predictor; on the same split it must agree with Keras scoring the checkpoint (up to the
    bar counting: live counts 4/4 bars from the first event, training reads the files')."""
    pytest.importorskip("tf2onnx")
    from musicai.export.convert import ExportOptions, export
    from musicai.training.heldout import evaluate, evaluate_model_file

    root, cache, _ = trained
    model = tmp_path / "stream.onnx"
    export(root / "stream", model, ExportOptions())
    keras = evaluate(root / "stream", DATA, cache_dir=cache)
    live = evaluate_model_file(model, DATA, cache_dir=cache)
    assert live.targets == keras.targets
    assert live.nll == pytest.approx(keras.nll, rel=0.05), (live, keras)
    assert live.duration_accuracy == pytest.approx(keras.duration_accuracy, abs=0.05)


def test_a_model_trained_on_melodies_moved_to_c_is_scored_on_them_and_not_exported(
        tmp_path: Path, keras_quiet) -> None:
    """--augment tonic: the held-out melodies are moved to C for validation and evaluate
    alike (what `--keys tonic` does for any model), and export refuses it in one line."""
    from musicai.training.heldout import evaluate
    from musicai.training.train import train

    cache = tmp_path / "cache"
    train(DATA, tmp_path / "tonic", make_config("stream", "tiny", epochs=2, augment="tonic"),
          cache_dir=cache, verbose=0)
    rows = history_rows(tmp_path / "tonic")
    own = evaluate(tmp_path / "tonic", DATA, cache_dir=cache)
    assert own.nll == pytest.approx(evaluate(tmp_path / "tonic", DATA, cache_dir=cache,
                                             keys="tonic").nll)
    assert float(rows[-1]["val_loss"]) == pytest.approx(own.nll, rel=0.1)
    written = evaluate(tmp_path / "tonic", DATA, cache_dir=cache, keys="written")
    assert written.targets == own.targets and written.nll != pytest.approx(own.nll, abs=1e-4)

    proc = run_cli("evaluate", str(tmp_path / "tonic"), "--data", str(DATA), "--cache",
                   str(cache), "--keys", "written")
    assert proc.returncode == 0, proc.stderr
    assert not (tmp_path / "tonic" / "heldout.json").exists()  # only the model's own figures

    proc = subprocess.run([sys.executable, "-m", "musicai.export.cli", str(tmp_path / "tonic"),
                           "--out", str(tmp_path / "tonic.onnx")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "--augment tonic" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "tonic.onnx").exists()


def test_compare_draws_runs_side_by_side_and_keeps_what_is_there(trained, tmp_path) -> None:
    root, _, _ = trained
    figure = tmp_path / "runs.png"
    proc = run_cli("compare", str(root / "stream"), str(root / "seed"), "--out", str(figure))
    assert proc.returncode == 0, proc.stderr
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    mine = tmp_path / "mine.png"
    mine.write_bytes(b"not ours")
    proc = run_cli("compare", str(root / "stream"), "--out", str(mine))
    assert_one_line_error(proc, 2, "already exists", "--force")
    assert mine.read_bytes() == b"not ours"
    proc = run_cli("compare", str(root / "stream"), str(tmp_path), "--out", str(tmp_path / "x.png"))
    assert_one_line_error(proc, 2, "no history.csv")
    assert not (tmp_path / "x.png").exists()
