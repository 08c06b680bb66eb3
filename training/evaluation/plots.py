"""The results figures (matplotlib, PNG), each written atomically: a half-drawn image never
sits under its final name.

* pitch classes per key and temperature for one source: bars over the 12 pitch classes with
  the key's scale notes coloured and the tonic darkest (the seed project's picture);
* the human reference the same way, counted from each melody's estimated tonic;
* interval histograms of every source beside the reference, one panel per temperature;
* training histories (loss and accuracies per epoch, training vs held-out);
* benchmark samples: onset lateness (jitter) and inference latency histograms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from musicai.live.published import replacing
from musicai.live.theory.keys import Key
from musicai.training.evaluation.metrics import MAX_INTERVAL, distribution
from musicai.training.history_plot import read_history

SCALE, TONIC, OTHER = "#4c8cbf", "#1f4e79", "#c9c9c9"
MAJOR_DEGREES = (0, 2, 4, 5, 7, 9, 11)
MINOR_DEGREES = (0, 2, 3, 5, 7, 8, 10)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with replacing(path, ".png.tmp") as temp:
            fig.savefig(temp, format="png", dpi=100)
    finally:
        _pyplot().close(fig)


def _bars(ax, counts: np.ndarray, scale: Sequence[int], tonic: int, labels: Sequence[str]) -> None:
    colours = [TONIC if pc == tonic else SCALE if pc in scale else OTHER for pc in range(12)]
    ax.bar(range(12), distribution(counts), color=colours)
    ax.set_xticks(range(12), labels, fontsize=7)
    ax.tick_params(axis="y", labelsize=7)
    ax.grid(axis="y", alpha=0.3)


def pitch_class_figure(source: str, counts: Mapping[tuple[Key, float], np.ndarray],
                       keys: Sequence[Key], temperatures: Sequence[float], path: Path) -> None:
    """One source: a panel per key (rows) and temperature (columns)."""
    plt = _pyplot()
    fig, axes = plt.subplots(len(keys), len(temperatures), squeeze=False, sharey=True,
                             figsize=(2.9 * len(temperatures) + 0.6, 2.1 * len(keys) + 0.7))
    for r, key in enumerate(keys):
        labels = [key.note_name(pc) for pc in range(12)]
        for c, t in enumerate(temperatures):
            ax = axes[r][c]
            _bars(ax, counts.get((key, t), np.zeros(12)), key.scale, key.tonic, labels)
            ax.set_title(f"{key.name}, T {t}", fontsize=9)
    fig.suptitle(f"{source}: pitch classes (scale notes blue, tonic dark)", fontsize=10)
    fig.tight_layout()
    save(fig, path)


def reference_figure(major: np.ndarray, minor: np.ndarray, counts: tuple[int, int],
                     path: Path) -> None:
    """Held-out melodies, counted from their estimated tonic, major and minor apart."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 2.8), sharey=True)
    names = ("1", "b2", "2", "b3", "3", "4", "#4", "5", "b6", "6", "b7", "7")
    for ax, degrees, scale, mode, n in ((axes[0], major, MAJOR_DEGREES, "major", counts[0]),
                                        (axes[1], minor, MINOR_DEGREES, "minor", counts[1])):
        _bars(ax, degrees, scale, 0, names)
        ax.set_title(f"held-out melodies in {mode} keys ({n})", fontsize=9)
        ax.set_xlabel("scale degree from the estimated tonic", fontsize=8)
    fig.tight_layout()
    save(fig, path)


def interval_figure(curves: Mapping[float, Mapping[str, np.ndarray]], reference: np.ndarray,
                    path: Path) -> None:
    """Interval shares per source, a panel per temperature, the reference in black."""
    plt = _pyplot()
    temps = list(curves)
    fig, axes = plt.subplots(1, len(temps), squeeze=False, sharey=True,
                             figsize=(4.2 * len(temps), 3.3))
    x = np.arange(-MAX_INTERVAL, MAX_INTERVAL + 1)
    for ax, t in zip(axes[0], temps, strict=True):
        for name, counts in curves[t].items():
            ax.plot(x, distribution(counts), marker=".", lw=1, label=name)
        ax.plot(x, distribution(reference), color="black", lw=2, label="human (held out)")
        ax.set_title(f"T {t}", fontsize=9)
        ax.set_xlabel("interval (semitones; ends include wider leaps)", fontsize=8)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("share of intervals")
    axes[0][-1].legend(fontsize=7)
    fig.tight_layout()
    save(fig, path)


def history_figure(histories: Mapping[str, Path], path: Path) -> None:
    """A row per model: loss, pitch accuracy, duration accuracy per epoch."""
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    panels = (("loss (nats per event)", "loss"), ("pitch accuracy", "pitch_acc"),
              ("duration accuracy", "duration_acc"))
    fig, axes = plt.subplots(len(histories), len(panels), squeeze=False,
                             figsize=(4.0 * len(panels), 2.9 * len(histories)))
    for row, (name, csv_path) in enumerate(histories.items()):
        history = read_history(csv_path)
        epochs = [int(e) + 1 for e in history.get("epoch", [])]
        for ax, (label, key) in zip(axes[row], panels, strict=True):
            for column, legend in ((key, "train"), (f"val_{key}", "held out")):
                if column in history and len(history[column]) == len(epochs):
                    ax.plot(epochs, history[column], marker=".", label=legend)
            ax.set_title(f"{name}: {label}", fontsize=9)
            ax.set_xlabel("epoch", fontsize=8)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.grid(alpha=0.3)
            if ax.get_lines():
                ax.legend(fontsize=7)
    fig.tight_layout()
    save(fig, path)


def bench_figure(samples: Mapping[str, np.ndarray], path: Path) -> None:
    """A histogram per benchmark sample set, both axes logarithmic: the tail is the story."""
    plt = _pyplot()
    cols = min(3, len(samples))
    rows = -(-len(samples) // cols)
    fig, axes = plt.subplots(rows, cols, squeeze=False, figsize=(4.2 * cols, 3.2 * rows))
    for ax in axes.flat[len(samples):]:
        ax.set_visible(False)
    for ax, (name, seconds) in zip(axes.flat, samples.items(), strict=False):
        ms = np.asarray(seconds, dtype=float) * 1000.0
        p50, p99 = np.percentile(ms, (50, 99))
        low = max(float(ms[ms > 0].min()) if (ms > 0).any() else 1e-3, 1e-3)
        bins = np.geomspace(low, max(float(ms.max()), low * 1.01), 60)
        ax.hist(np.clip(ms, low, None), bins=bins, color=SCALE, log=True)
        ax.set_xscale("log")
        for value, style in ((p50, "--"), (p99, ":")):
            ax.axvline(value, color=TONIC, ls=style, lw=1)
        ax.set_title(f"{name}\np50 {p50:.3f} ms, p99 {p99:.3f} ms, n={ms.size}", fontsize=8)
        ax.set_xlabel("ms (log scale)", fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    save(fig, path)


ROLL_BARS = 16


def piano_roll_figure(rolls: Sequence[tuple[str, np.ndarray, np.ndarray]], path: Path,
                      bars: int = ROLL_BARS, bar_ticks: int = 1920) -> None:
    """Piano rolls of the first ``bars`` bars of each melody, one panel each, bar lines and
    4-bar phrase lines drawn: what form (or its absence) looks like."""
    plt = _pyplot()
    fig, axes = plt.subplots(len(rolls), 1, figsize=(13, 2.2 * len(rolls)), squeeze=False)
    end = bars * bar_ticks
    for ax, (label, pitches, durations) in zip(axes[:, 0], rolls, strict=True):
        onset = 0
        shown = []
        for pitch, duration in zip(np.asarray(pitches).tolist(), np.asarray(durations).tolist(),
                                   strict=True):
            if onset >= end:
                break
            if pitch >= 0:
                ax.broken_barh([(onset / bar_ticks, duration / bar_ticks)], (pitch - 0.4, 0.8),
                               facecolors=TONIC)
                shown.append(pitch)
            onset += duration
        for bar in range(bars + 1):
            ax.axvline(bar, color=OTHER if bar % 4 else "#555555", linewidth=0.6 if bar % 4
                       else 1.2, zorder=0)
        if shown:
            ax.set_ylim(min(shown) - 2, max(shown) + 2)
        ax.set_xlim(0, bars)
        ax.set_xticks(range(0, bars + 1, 4))
        ax.set_title(label, fontsize=10, loc="left")
        ax.set_ylabel("MIDI note")
    axes[-1, 0].set_xlabel("bar")
    fig.tight_layout()
    save(fig, path)
