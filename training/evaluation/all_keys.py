"""The model alone in all twelve major keys: does it play in key wherever it is asked to?

Transposition augmentation by a few semitones leaves a model that prefers some absolute
pitches (in A minor the old one leaned on C and D); trained over all twelve keys it should
not care which key it is in. Each model plays one raw take (``RawSampler``: its own softmax,
no theory) per major key at one temperature, with the key's default chords as its harmony
input, and the table gives the share of notes in the key for each, with the spread.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from musicai.live.inference.predictor import Predictor
from musicai.live.sampler.settings import SamplerSettings
from musicai.live.theory.keys import Key
from musicai.training.evaluation import metrics
from musicai.training.evaluation.takes import RawSampler, Take, play

MAJOR_KEYS = tuple(Key(tonic, "major") for tonic in range(12))
TEMPERATURE = 1.0


def play_all_keys(predictors: dict[str, Predictor], bars: int, seed: int,
                  progress: Callable[[str], None] | None = None
                  ) -> dict[str, list[tuple[Key, Take]]]:
    """One raw take per model and major key (seeds follow the key, as in the grid)."""
    played: dict[str, list[tuple[Key, Take]]] = {}
    for path, predictor in predictors.items():
        takes = []
        for key in MAJOR_KEYS:
            if progress is not None:
                progress(f"{path}, {key.name}")
            settings = SamplerSettings(key=key, temperature=TEMPERATURE)
            sampler = RawSampler(settings, predictor.vocab, seed * 1_000_003 + key.tonic)
            takes.append((key, play(predictor, sampler, bars)))
        played[path] = takes
    return played


def key_rows(played: dict[str, list[tuple[Key, Take]]]) -> list[dict]:
    """Per model: in-key share per key, its lowest, highest and spread, and bar recurrence."""
    rows = []
    for path, takes in played.items():
        shares, recurring = {}, []
        for key, take in takes:
            shares[key.tonic_name] = metrics.in_key_ratio(take.pitches, key.mask)
            exact, varied = metrics.bar_recurrence(take.pitches, take.durations)
            recurring.append(exact + varied)
        values = np.array(list(shares.values()), dtype=float)
        rows.append({"model": path, "in_key": shares, "lowest": float(np.nanmin(values)),
                     "highest": float(np.nanmax(values)),
                     "spread": float(np.nanmax(values) - np.nanmin(values)),
                     "recurrence": float(np.nanmean(recurring))})
    return rows


def section(rows: list[dict], bars: int) -> list[str]:
    """The RESULTS.md section: one row per model, one column per key."""
    if not rows:
        return []
    names = [k.tonic_name for k in MAJOR_KEYS]
    lines = ["## The model alone in all 12 major keys", "",
             f"Raw takes (the model's own softmax, no theory) at T {TEMPERATURE}, {bars} bars "
             "each, one per key: the share of notes in the key, its spread (highest - lowest, "
             "in points), and bars recurring (as in the summary, mean over the keys).", "",
             "| model | " + " | ".join(names) + " | lowest | spread | bars recurring |",
             "|---|" + "---:|" * (len(names) + 3)]
    for row in rows:
        cells = [f"{100 * row['in_key'][n]:.1f}" for n in names]
        lines.append(f"| {row['model']} | " + " | ".join(cells)
                     + f" | {100 * row['lowest']:.1f}% | {100 * row['spread']:.1f} | "
                     f"{100 * row['recurrence']:.1f}% |")
    return [*lines, ""]
