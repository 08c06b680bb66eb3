"""The model alone in all twelve major keys: does it play in key wherever it is asked to?

Transposition augmentation by a few semitones leaves a model that prefers some absolute
pitches (in A minor the old one leaned on C and D); trained over all twelve keys it should
not care which key it is in. Each model plays raw takes (``RawSampler``: its own softmax, no
theory) in every major key at one temperature, with the key's default chords as its harmony
input, and the table gives the share of notes in the key for each, with the spread.

Several takes per key, pooled: one 32-bar take holds about 150 notes, so at 95 % in key its
share has a sampling error of about ±3.5 points (95 % confidence), and twelve such numbers
spread by 5 points or more from chance alone: a 3-point spread cannot be judged on one take a
key.
The table states the sampling error of the pooled shares beside the spread.
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
TAKES = 12  # per key, pooled: about 1,800 notes a key at 32 bars (±1 point at 95 %)
SEED_STEP = 7919  # between a key's takes (take 0 keeps the seed of the one-take table)


def play_all_keys(predictors: dict[str, Predictor], bars: int, seed: int, takes: int = TAKES,
                  progress: Callable[[str], None] | None = None
                  ) -> dict[str, list[tuple[Key, list[Take]]]]:
    """``takes`` raw takes per model and major key (seeds follow the key, as in the grid)."""
    played: dict[str, list[tuple[Key, list[Take]]]] = {}
    for path, predictor in predictors.items():
        keys = []
        for key in MAJOR_KEYS:
            if progress is not None:
                progress(f"{path}, {key.name}")
            settings = SamplerSettings(key=key, temperature=TEMPERATURE)
            base = seed * 1_000_003 + key.tonic
            keys.append((key, [play(predictor, RawSampler(settings, predictor.vocab,
                                                          base + SEED_STEP * k), bars)
                               for k in range(takes)]))
        played[path] = keys
    return played


def key_rows(played: dict[str, list[tuple[Key, list[Take]]]]) -> list[dict]:
    """Per model: in-key share per key (its takes pooled), its lowest, highest and spread, the
    largest sampling error of a key's share (95 %), and bar recurrence."""
    rows = []
    for path, keys in played.items():
        shares, errors, recurring, notes = {}, [], [], 0
        for key, takes in keys:
            pitches = np.concatenate([take.pitches for take in takes])
            share = metrics.in_key_ratio(pitches, key.mask)
            shares[key.tonic_name] = share
            count = int(sum(take.notes for take in takes))
            notes += count
            errors.append(1.96 * np.sqrt(share * (1 - share) / count) if count else np.nan)
            for take in takes:
                exact, varied = metrics.bar_recurrence(take.pitches, take.durations)
                recurring.append(exact + varied)
        values = np.array(list(shares.values()), dtype=float)
        rows.append({"model": path, "in_key": shares, "lowest": float(np.nanmin(values)),
                     "highest": float(np.nanmax(values)),
                     "spread": float(np.nanmax(values) - np.nanmin(values)),
                     "error": float(np.nanmax(errors)),
                     "takes_per_key": len(keys[0][1]) if keys else 0,
                     "notes_per_key": notes // max(len(keys), 1),
                     "recurrence": float(np.nanmean(recurring))})
    return rows


def section(rows: list[dict], bars: int) -> list[str]:
    """The RESULTS.md section: one row per model, one column per key."""
    if not rows:
        return []
    names = [k.tonic_name for k in MAJOR_KEYS]
    takes, notes = rows[0]["takes_per_key"], rows[0]["notes_per_key"]
    lines = ["## The model alone in all 12 major keys", "",
             f"Raw takes (the model's own softmax, no theory) at T {TEMPERATURE}, {bars} bars "
             f"each, {takes} per key pooled (about {notes:,} notes a key for the first model): "
             "the share of notes in the key, its spread (highest - lowest, in points), the "
             "largest sampling error of one key's share (95 %, in points: a spread within "
             "about twice that is chance), and bars recurring (as in the summary, mean over "
             "the takes).", "",
             "| model | " + " | ".join(names) + " | lowest | spread | ± | bars recurring |",
             "|---|" + "---:|" * (len(names) + 4)]
    for row in rows:
        cells = [f"{100 * row['in_key'][n]:.1f}" for n in names]
        lines.append(f"| {row['model']} | " + " | ".join(cells)
                     + f" | {100 * row['lowest']:.1f}% | {100 * row['spread']:.1f} | "
                     f"{100 * row['error']:.1f} | {100 * row['recurrence']:.1f}% |")
    return [*lines, ""]
