"""Melodies to compare models on, and the model inputs made from them.

Real sequences are the held-out melodies of a data folder (the same split training used);
without a folder, deterministic synthetic melodies stand in: a random walk on a scale over a
I-vi-IV-V progression, so the models see plausible frames rather than noise.

Frames follow ``training.batches.Frames`` (position t: the previous event, ``bos`` first; the
harmony and instrument of event t; the target is event t), for one untransposed melody.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from musicai.export.errors import ExportError, UsageError
from musicai.live.encoding import EncodedMelody, Vocabulary, harmony_features, pitch_class_mask
from musicai.live.encoding.context import melody_context
from musicai.training.config import TrainConfig

Arrays = dict[str, np.ndarray]


@dataclass(frozen=True)
class Sequences:
    melodies: list[EncodedMelody]
    source: str

    @property
    def synthetic(self) -> bool:
        return self.source.startswith("synthetic")

    @property
    def events(self) -> int:
        return sum(len(m) for m in self.melodies)


def load_sequences(data: Path | None, config: TrainConfig, *, count: int = 16,
                   max_events: int = 256, cache_dir: Path | None = None) -> Sequences:
    """Up to ``count`` melodies of at most ``max_events`` events each."""
    if data is None:
        length = max(48, config.model.window + 16)
        return Sequences(synthetic_melodies(count, min(length, max_events)),
                         f"synthetic (deterministic, {count} melodies of {length} events)")
    melodies = heldout_melodies(Path(data), config, cache_dir)
    usable = [m for m in melodies if len(m) >= _min_length(config)][:count]
    if not usable:
        raise UsageError(f"{data}: no held-out melody is long enough to verify with "
                         f"(need {_min_length(config)} events); pass more data")
    clipped = [m.clipped(max_events) for m in usable]
    return Sequences(clipped, f"held-out melodies of {data} ({len(clipped)} of "
                              f"{len(melodies)}, at most {max_events} events each)")


def heldout_melodies(data: Path, config: TrainConfig,
                     cache_dir: Path | None) -> list[EncodedMelody]:
    """The validation split of ``data`` exactly as training drew it (by piece hash)."""
    try:
        from musicai.training.dataset import load_folder, split_by_piece
    except ImportError as err:
        raise ExportError(f"reading --data needs the MIDI ingestion module ({err}); "
                          f"leave out --data to verify on synthetic sequences") from err
    from musicai.training.errors import TrainingError

    try:
        corpus = load_folder(data, config.model.vocabulary(), min_notes=config.min_notes,
                             cache_dir=cache_dir)
        _, valid = split_by_piece(corpus, config.validation_fraction)
    except TrainingError as err:
        raise UsageError(str(err)) from err
    return [m.notes for m in valid]


def _min_length(config: TrainConfig) -> int:
    return config.model.window if config.model.arch == "seed" else 2


_SCALE = (0, 2, 4, 5, 7, 9, 11)
_CHORDS = ((0, 4, 7), (9, 0, 4), (5, 9, 0), (7, 11, 2))  # I vi IV V in C
_DURATIONS = (120, 240, 240, 360, 480, 480, 480, 720, 960)


def synthetic_melodies(count: int, length: int, seed: int = 0) -> list[EncodedMelody]:
    rng = np.random.default_rng(seed)
    vocab = Vocabulary()
    melodies = []
    for i in range(count):
        degree, events = 7 + int(rng.integers(0, 7)), []
        for t in range(length):
            degree = int(np.clip(degree + rng.choice((-2, -1, -1, 0, 1, 1, 2)), 0, 20))
            note = 48 + 12 * (degree // 7) + _SCALE[degree % 7]
            rest = rng.random() < 0.08
            chord = pitch_class_mask(_CHORDS[(t // 4) % len(_CHORDS)])
            events.append((vocab.rest_id if rest else vocab.pitch_id(note),
                           vocab.duration_id(int(rng.choice(_DURATIONS))), chord, i % 12))
        p, d, h, ins = zip(*events, strict=True)
        melodies.append(EncodedMelody(np.array(p, np.int16), np.array(d, np.int8),
                                      np.array(h, np.uint16), np.array(ins, np.int8)))
    return melodies


def frames(melody: EncodedMelody, vocab: Vocabulary) -> tuple[Arrays, Arrays]:
    """Inputs ``(1, T, ...)`` and targets ``(T,)`` of one melody read from its start."""
    pitch = melody.pitch.astype(np.int32)
    duration = melody.duration.astype(np.int32)
    inputs = {
        "prev_pitch": np.concatenate([[vocab.bos_id], pitch[:-1]]).astype(np.int32)[None],
        "prev_duration": np.concatenate([[vocab.duration_bos_id],
                                         duration[:-1]]).astype(np.int32)[None],
        "harmony": harmony_features(melody.harmony)[None],
        "instrument": melody.instrument.astype(np.int32)[None],
    }
    if vocab.version >= 2:
        position, bar = melody.placed(vocab.durations)
        ticks = np.asarray(vocab.durations, dtype=np.int64)[duration]
        context = melody_context(pitch, ticks, position, bar, vocab.bos_id)
        context["style"] = np.zeros(len(pitch), dtype=np.int32)  # "other": files carry none
        inputs |= {k: v[None] for k, v in context.items()}
    return inputs, {"pitch": pitch, "duration": duration}


def windows(melody: EncodedMelody, vocab: Vocabulary, window: int) -> tuple[Arrays, Arrays]:
    """Every full window of a melody ``(N, window, ...)`` and the event after each ``(N,)``."""
    inputs, targets = frames(melody, vocab)
    count = max(len(melody) - window + 1, 0)
    index = np.arange(count)[:, None] + np.arange(window)[None, :]
    return ({k: v[0][index] for k, v in inputs.items()},
            {k: v[index[:, -1]] for k, v in targets.items()})


def concat(parts: list[Arrays]) -> Arrays:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]} if parts else {}
