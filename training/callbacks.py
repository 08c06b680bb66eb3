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
