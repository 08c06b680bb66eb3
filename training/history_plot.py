"""The seed's history figure (loss and accuracy, training vs validation, per epoch), and one
that lays several runs' validation curves side by side."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

from musicai.live.published import replacing


def read_history(csv_path: Path) -> dict[str, list[float]]:
    with open(csv_path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    columns: dict[str, list[float]] = {}
    for row in rows:
        for key, value in row.items():
            try:
                columns.setdefault(key, []).append(float(value))
            except (TypeError, ValueError):
                continue
    return columns


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_history(csv_path: Path, png_path: Path, title: str = "") -> None:
    """Write the figure atomically (a half-drawn PNG is never left under its final name)."""
    history = read_history(csv_path)
    epochs = [int(e) + 1 for e in history.get("epoch", [])]
    if not epochs:
        return
    panels = [
        ("loss (nats per event)", "loss", "val_loss"),
        ("pitch accuracy", "pitch_acc", "val_pitch_acc"),
        ("duration accuracy", "duration_acc", "val_duration_acc"),
    ]
    fig, axes = _pyplot().subplots(1, len(panels), figsize=(4.2 * len(panels), 3.4))
    for ax, (_, train_key, val_key) in zip(axes, panels, strict=True):
        for key, name in ((train_key, "train"), (val_key, "validation")):
            if key in history:
                ax.plot(epochs, history[key], marker=".", label=name)
    _save(fig, axes, [label for label, _, _ in panels], title, png_path)


def plot_runs(histories: Mapping[str, Path], png_path: Path, title: str = "") -> None:
    """Validation loss and pitch accuracy of several runs on shared axes, each run named."""
    panels = (("validation loss (nats per event)", "val_loss"),
              ("validation pitch accuracy", "val_pitch_acc"))
    fig, axes = _pyplot().subplots(1, len(panels), figsize=(5.2 * len(panels), 3.6))
    for name, csv_path in histories.items():
        history = read_history(csv_path)
        epochs = [int(e) + 1 for e in history.get("epoch", [])]
        for ax, (_, key) in zip(axes, panels, strict=True):
            if key in history:
                ax.plot(epochs, history[key], marker=".", label=name)
    _save(fig, axes, [label for label, _ in panels], title, png_path)


def _save(fig, axes, labels: list[str], title: str, png_path: Path) -> None:
    """Label the panels and write the PNG atomically (never half-drawn under its name)."""
    for ax, label in zip(axes, labels, strict=True):
        ax.set_title(label)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    try:
        with replacing(png_path, ".png.tmp") as temp:
            fig.savefig(temp, format="png", dpi=110)
    finally:
        _pyplot().close(fig)
