"""The training process: the seed's recipe (early stopping, LR plateau schedule, validation
split, best-weights checkpoint, history plot) around either architecture.

An output folder holds: ``config.json`` (how the model was made), ``best.weights.h5`` (the
best validation loss so far, always whole), ``last.weights.h5`` (for ``--resume``),
``history.csv`` and ``history.png``, ``summary.json`` (data, timing, hardware, metrics) and
``split.json`` (which pieces were held out).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from musicai.live.encoding import Vocabulary
from musicai.live.published import write_text
from musicai.training.batches import Frames, SequenceBatches, WindowBatches
from musicai.training.checkpoint import LAST_WEIGHTS, WEIGHTS
from musicai.training.config import TrainConfig
from musicai.training.dataset import Corpus, Melody, load_folder, split_by_piece
from musicai.training.errors import TrainingError, UsageError

BEST, LAST = WEIGHTS, LAST_WEIGHTS


@dataclass
class TrainResult:
    out: Path
    epochs_run: int
    best_val_loss: float
    train_seconds: float
    targets_per_epoch: int
    targets_per_second: float
    interrupted: bool
    #: what ended the run: "early stopping", "time budget", "epochs", "interrupted" or "nan"
    stopped_by: str = "epochs"
    #: the epoch (1-based, across resumes) whose weights are in best.weights.h5
    best_epoch: int = 0


def prepare_output(out: Path, resume: bool) -> None:
    """Fail before any work when the output folder is unusable or holds another run."""
    out = Path(out)
    if resume:
        if not (out / "config.json").exists() or not (out / LAST).exists():
            raise UsageError(f"{out}: nothing to resume (no config.json and {LAST} there)")
        return
    if (out / "config.json").exists():
        raise UsageError(
            f"{out}: already holds a training run; use --resume to continue it, or another --out"
        )
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: is a file, not a folder; choose another --out")
    existing = next(p for p in (out, *out.parents) if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"{out}: cannot create it under {existing}; choose another --out")


def create_output(out: Path) -> None:
    """Made only once the data has been read, so bad input leaves no folder behind."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-test-"):
            pass
    except OSError as err:
        raise UsageError(
            f"{out}: cannot write there ({err.strerror or err}); choose another --out"
        ) from err


def make_batches(config: TrainConfig, train: list[Melody], valid: list[Melody],
                 vocab: Vocabulary, devices: int = 1) -> tuple:
    """Training and validation datasets for the configured architecture."""
    model = config.model
    longest = max(len(m) for m in train + valid)
    if model.arch == "seed" and longest < model.window:
        raise UsageError(
            f"the window ({model.window} events) is longer than every melody (the longest has "
            f"{longest}); use --window {longest} or less"
        )
    if config.batch_size % devices:
        raise UsageError(f"--batch-size {config.batch_size} does not split over {devices} "
                         f"devices; use a multiple of {devices}")
    common = {"batch_size": config.batch_size, "seed": config.seed, "multiple": devices}
    train_frames, valid_frames = Frames(train, vocab), Frames(valid, vocab)
    held_out = config.held_out_augment
    if model.arch == "seed":
        fit = WindowBatches(train_frames, model.window, shifts=config.transpositions,
                            augment=config.augment, shuffle=True,
                            max_steps=config.steps_per_epoch, **common)
        val = WindowBatches(valid_frames, model.window, shifts=(0,), augment=held_out,
                            shuffle=False, max_steps=config.validation_steps, **common)
        if val.examples == 0:
            raise UsageError(
                f"no held-out melody is as long as the window ({model.window}); use a smaller "
                f"--window or more data"
            )
        per_epoch = min(fit.examples, len(fit) * config.batch_size)
    else:
        fit = SequenceBatches(train_frames, model.sequence_length, shifts=config.transpositions,
                              augment=config.augment, shuffle=True,
                              max_steps=config.steps_per_epoch, **common)
        val = SequenceBatches(valid_frames, model.sequence_length, shifts=(0,),
                              augment=held_out, shuffle=False,
                              max_steps=config.validation_steps, **common)
        total = int(train_frames.lengths.sum())
        per_epoch = total * (len(config.transpositions) if config.augment == "all" else 1)
        if config.steps_per_epoch:
            per_epoch = min(per_epoch, config.steps_per_epoch * config.batch_size
                            * model.sequence_length)
    return fit, val, per_epoch


def hardware() -> dict:
    import keras

    info = {"machine": platform.machine(), "cores": os.cpu_count(),
            "backend": keras.backend.backend()}
    try:
        with open("/proc/cpuinfo") as handle:
            model = next((line.split(":", 1)[1].strip() for line in handle
                          if line.startswith("model name")), "")
        info["cpu"] = model
    except OSError:
        pass
    try:
        import jax  # noqa: F401 - only for the device list when training on JAX

        info["devices"] = [str(d) for d in keras.distribution.list_devices()]
    except Exception:
        info["devices"] = ["cpu"]
    return info


def train(data: Path, out: Path, config: TrainConfig, *, resume: bool = False,
          cache_dir: Path | None = None, verbose: int = 1,
          data_parallel: bool = False, time_budget_minutes: float | None = None) -> TrainResult:
    """Train one model from a MIDI folder into ``out``; returns the measured figures."""
    out = Path(out)
    prepare_output(out, resume)
    vocab = config.model.vocabulary()
    corpus = load_folder(Path(data), vocab, min_notes=config.min_notes, cache_dir=cache_dir)
    train_set, valid_set = split_by_piece(corpus, config.validation_fraction)
    devices = _use_all_devices() if data_parallel else 1
    fit, val, per_epoch = make_batches(config, train_set, valid_set, vocab, devices)
    create_output(out)

    import keras
    from musicai.training.callbacks import (
        HistoryPlot,
        PublishFile,
        ResumedEarlyStopping,
        ResumedReduceLROnPlateau,
        Throughput,
        TimeBudget,
    )
    from musicai.training.models import build_model, compile_model

    keras.utils.set_random_seed(config.seed)
    model = compile_model(build_model(config, vocab), config)
    initial_epoch = 0
    if resume:
        model.optimizer.build(model.trainable_variables)  # so its saved state loads too
        model.load_weights(out / LAST)
        initial_epoch = _epochs_done(out / "history.csv")
    else:
        write_text(out / "config.json", config.to_json())
    write_text(out / "split.json", json.dumps(_split_record(corpus, valid_set), indent=1))

    throughput = Throughput()
    best, waited, lr_waited = _resume_state(out / "history.csv") if resume else (None, 0, 0)
    early = ResumedEarlyStopping(best, waited, monitor="val_loss",
                                 patience=config.early_stopping_patience)
    budget = TimeBudget(time_budget_minutes) if time_budget_minutes else None
    callbacks = [
        early,
        ResumedReduceLROnPlateau(best, lr_waited, monitor="val_loss", factor=config.lr_factor,
                                 patience=config.lr_patience, min_lr=config.min_lr),
        keras.callbacks.ModelCheckpoint(out / f".{BEST}", monitor="val_loss",
                                        save_best_only=True, save_weights_only=True,
                                        initial_value_threshold=best),
        PublishFile(out / f".{BEST}", out / BEST),
        keras.callbacks.ModelCheckpoint(out / f".{LAST}", save_weights_only=True),
        PublishFile(out / f".{LAST}", out / LAST),
        keras.callbacks.CSVLogger(out / "history.csv", append=resume),
        HistoryPlot(out / "history.csv", out / "history.png",
                    f"{config.model.arch} ({config.preset}) on {Path(data).name}"),
        keras.callbacks.TerminateOnNaN(),
        throughput,
        *([budget] if budget else []),
    ]
    started = time.perf_counter()
    interrupted = False
    try:
        with terminate_as_interrupt():
            model.fit(fit, validation_data=val, epochs=config.epochs,
                      initial_epoch=initial_epoch, callbacks=callbacks, verbose=verbose)
    except KeyboardInterrupt:
        interrupted = True
    elapsed = time.perf_counter() - started
    val_losses = _history_column(out / "history.csv", "val_loss")
    train_seconds = sum(throughput.train_seconds)
    epochs = len(throughput.train_seconds)
    if interrupted:
        stopped_by = "interrupted"
    elif val_losses and val_losses[-1] != val_losses[-1]:
        stopped_by = "nan"
    elif early.stopped_epoch:
        stopped_by = "early stopping"
    elif budget is not None and budget.stopped:
        stopped_by = "time budget"
    else:
        stopped_by = "epochs"
    result = TrainResult(
        out=out,
        epochs_run=len(val_losses),
        best_val_loss=min(val_losses) if val_losses else float("nan"),
        train_seconds=train_seconds,
        targets_per_epoch=per_epoch,
        targets_per_second=per_epoch * epochs / train_seconds if train_seconds else 0.0,
        interrupted=interrupted,
        stopped_by=stopped_by,
        best_epoch=val_losses.index(min(val_losses)) + 1 if val_losses else 0,
    )
    before = _previous_wall_seconds(out / "summary.json") if resume else 0.0
    summary = {
        "config": json.loads(config.to_json()),
        "data": {"folder": str(data), **corpus.summary(),
                 "train_melodies": len(train_set), "held_out_melodies": len(valid_set),
                 "held_out_pieces": len({m.piece for m in valid_set})},
        "result": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(result).items()},
        "wall_seconds": elapsed,
        "total_wall_seconds": before + elapsed,  # every run of this folder, resumes included
        "hardware": hardware(),
        "versions": {"keras": keras.__version__},
    }
    write_text(out / "summary.json", json.dumps(summary, indent=2))
    return result


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (a scheduler, `kill`, a closing terminal) stops training like Ctrl-C: the best
    weights so far stay, and the summary and plot are still written."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _use_all_devices() -> int:
    """Spread batches over every device (Keras DataParallel, JAX backend); how many."""
    import keras

    devices = keras.distribution.list_devices()
    if keras.backend.backend() != "jax" or len(devices) < 2:
        raise UsageError(
            f"--data-parallel needs the JAX backend and several devices (found "
            f"{len(devices)} on {keras.backend.backend()}); drop the flag"
        )
    keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
    return len(devices)


def _epochs_done(history_csv: Path) -> int:
    try:
        with open(history_csv) as handle:
            return max(sum(1 for _ in handle) - 1, 0)
    except OSError as err:
        raise TrainingError(f"{history_csv}: cannot read the history to resume ({err})") from err


def _resume_state(history_csv: Path) -> tuple[float | None, int, int]:
    """The best val_loss so far, epochs since it, and epochs since the learning rate last
    changed or the loss last improved (the plateau schedule's own wait)."""
    losses = _history_column(history_csv, "val_loss")
    if not losses:
        return None, 0, 0
    best_index = losses.index(min(losses))
    waited = len(losses) - 1 - best_index
    rates = _history_column(history_csv, "learning_rate")
    changed = max((i for i in range(1, len(rates)) if rates[i] != rates[i - 1]), default=0)
    return losses[best_index], waited, min(waited, len(losses) - 1 - changed)


def _previous_wall_seconds(summary_json: Path) -> float:
    try:
        data = json.loads(summary_json.read_text())
    except (OSError, ValueError):
        return 0.0
    return float(data.get("total_wall_seconds", data.get("wall_seconds", 0.0)))


def _history_column(history_csv: Path, column: str) -> list[float]:
    """One column of the CSV history: the whole run's, across resumes."""
    if not history_csv.exists():
        return []
    from musicai.training.history_plot import read_history

    return read_history(history_csv).get(column, [])


def _split_record(corpus: Corpus, valid: list[Melody]) -> dict:
    return {
        "held_out_pieces": sorted({m.piece for m in valid}),
        "held_out_melodies": sorted(m.name for m in valid),
        "skipped_files": corpus.skipped,
    }
