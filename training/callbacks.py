"""Small Keras callbacks that complete the stock ones (checkpoint, early stop, LR schedule)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import keras
from musicai.training.history_plot import plot_history


class PublishFile(keras.callbacks.Callback):
    """Move a file a ModelCheckpoint wrote under a temporary name to its final name.

    ModelCheckpoint writes in place; an interrupt during the write would leave a broken
    weights file under the name a user trusts. Placed right after that checkpoint in the
    callback list, this makes every published checkpoint whole.
    """

    def __init__(self, written: Path, final: Path) -> None:
        super().__init__()
        self.written, self.final = Path(written), Path(final)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.written.exists():
            os.replace(self.written, self.final)


class HistoryPlot(keras.callbacks.Callback):
    """Redraw the loss/accuracy figure after every epoch, from the CSV history."""

    def __init__(self, csv_path: Path, png_path: Path, title: str) -> None:
        super().__init__()
        self.csv_path, self.png_path, self.title = Path(csv_path), Path(png_path), title

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.csv_path.exists():
            plot_history(self.csv_path, self.png_path, self.title)


class Throughput(keras.callbacks.Callback):
    """Seconds spent on the training part of each epoch (validation excluded)."""

    def __init__(self) -> None:
        super().__init__()
        self.train_seconds: list[float] = []
        self._start = 0.0
        self._open = False

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._start, self._open = time.perf_counter(), True

    def on_test_begin(self, logs: dict | None = None) -> None:
        self._close()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._close()

    def _close(self) -> None:
        if self._open:
            self.train_seconds.append(time.perf_counter() - self._start)
            self._open = False


class TimeBudget(keras.callbacks.Callback):
    """Stop at an epoch's end when the next epoch would overrun ``minutes`` of wall time.

    A run on a shared or rented machine has a deadline; stopping between epochs keeps every
    checkpoint whole and lets the summary say honestly that time, not early stopping, ended it.
    """

    def __init__(self, minutes: float) -> None:
        super().__init__()
        self.seconds = minutes * 60.0
        self.stopped = False
        self._start = 0.0
        self._epochs = 0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._start, self._epochs = time.perf_counter(), 0

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._epochs += 1
        elapsed = time.perf_counter() - self._start
        if elapsed + elapsed / self._epochs > self.seconds:
            self.stopped = True
            self.model.stop_training = True


class _Resumed:
    """Carries a monitor's best value and its wait across a ``--resume``: stock Keras starts
    both afresh at every ``fit``, so a run resumed each session would never stop early and
    its plateau schedule would never fire."""

    def __init__(self, best: float | None, waited: int, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._resumed_best, self._resumed_wait = best, waited

    def on_train_begin(self, logs: dict | None = None) -> None:
        super().on_train_begin(logs)
        if self._resumed_best is not None:
            self.best, self.wait = self._resumed_best, self._resumed_wait


class ResumedEarlyStopping(_Resumed, keras.callbacks.EarlyStopping):
    """EarlyStopping that remembers the history's best loss and the epochs since it."""


class ResumedReduceLROnPlateau(_Resumed, keras.callbacks.ReduceLROnPlateau):
    """ReduceLROnPlateau that remembers the best loss and its wait."""
