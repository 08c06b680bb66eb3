"""Held-out figures that compare across architectures: the same pieces, the same measures.

NLL is in nats per event: the pitch head's and the duration head's negative log-likelihoods
added (the heads are independent given the context, so this is the event's NLL). The seed
model is scored at every position with a full window behind it; the stream model at every
position of each held-out melody, read from its start as it is played live.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from musicai.training.batches import Frames, SequenceBatches, WindowBatches
from musicai.training.checkpoint import load_checkpoint
from musicai.training.dataset import load_folder, split_by_piece


@dataclass
class HeldOutMetrics:
    targets: int
    nll: float
    pitch_nll: float
    duration_nll: float
    pitch_top1: float
    pitch_top5: float
    duration_accuracy: float

    def as_dict(self) -> dict:
        return asdict(self)


class _Tally:
    def __init__(self) -> None:
        self.n = 0.0
        self.sums = dict.fromkeys(("pitch_nll", "duration_nll", "top1", "top5", "dur_acc"), 0.0)

    def add(self, probs: dict, targets: dict, weight: np.ndarray) -> None:
        p, d = np.asarray(probs["pitch"]), np.asarray(probs["duration"])
        tp, td = targets["pitch"], targets["duration"]
        p_true = np.take_along_axis(p, tp[..., None], axis=-1)[..., 0]
        d_true = np.take_along_axis(d, td[..., None], axis=-1)[..., 0]
        rank = (p > p_true[..., None]).sum(axis=-1)
        self.sums["pitch_nll"] += float((-np.log(np.maximum(p_true, 1e-12)) * weight).sum())
        self.sums["duration_nll"] += float((-np.log(np.maximum(d_true, 1e-12)) * weight).sum())
        self.sums["top1"] += float(((rank == 0) * weight).sum())
        self.sums["top5"] += float(((rank < 5) * weight).sum())
        self.sums["dur_acc"] += float(((d.argmax(-1) == td) * weight).sum())
        self.n += float(weight.sum())

    def result(self) -> HeldOutMetrics:
        n = max(self.n, 1.0)
        s = self.sums
        return HeldOutMetrics(
            targets=int(self.n),
            nll=(s["pitch_nll"] + s["duration_nll"]) / n,
            pitch_nll=s["pitch_nll"] / n,
            duration_nll=s["duration_nll"] / n,
            pitch_top1=s["top1"] / n,
            pitch_top5=s["top5"] / n,
            duration_accuracy=s["dur_acc"] / n,
        )


def evaluate(checkpoint: Path, data: Path, *, cache_dir: Path | None = None,
             batch_size: int = 64, keys: str | None = None) -> HeldOutMetrics:
    """``keys``: "written" or "tonic" (each melody moved to C); by default as the model was
    trained, so a model trained on melodies moved to C is scored on them too."""
    loaded = load_checkpoint(checkpoint)
    model, config = loaded.model, loaded.config
    vocab = config.model.vocabulary()
    corpus = load_folder(Path(data), vocab, min_notes=config.min_notes, cache_dir=cache_dir)
    _, valid = split_by_piece(corpus, config.validation_fraction)
    frames = Frames(valid, vocab)
    augment = {None: config.held_out_augment, "written": "random", "tonic": "tonic"}[keys]
    common = {"shifts": (0,), "augment": augment, "shuffle": False, "seed": 0}
    if config.model.arch == "seed":
        batches = WindowBatches(frames, config.model.window, batch_size=batch_size, **common)
    else:
        longest = int(frames.lengths.max())
        batches = SequenceBatches(frames, longest, batch_size=max(1, batch_size // 8), **common)
    return score(model, batches)


def evaluate_model_file(path: Path, data: Path, *, cache_dir: Path | None = None,
                        val_fraction: float = 0.1, min_notes: int = 8) -> HeldOutMetrics:
    """The same figures for an exported step model (``.onnx``), played as live: each held-out
    melody from its start, one ``predict`` and ``commit`` per event, so a model whose
    checkpoint is gone (or was trained on another split) is scored on today's split. Bars
    are counted in 4/4 from the melody's first event, as the engine counts them live."""
    from musicai.live.encoding import NoteEvent, Vocabulary
    from musicai.live.inference.onnx_predictors import StepPredictor, load_predictor

    predictor = load_predictor(path)
    if not isinstance(predictor, StepPredictor):
        raise TypeError(f"{path}: only step (stream) models are scored from an .onnx file")
    vocab = Vocabulary()
    theirs, ours = predictor.vocab.describe(), vocab.describe()
    if any(theirs.get(k) != ours.get(k) for k in ours if k not in ("version", "styles")):
        raise ValueError(f"{path}: its pitch and duration ids differ from this version's")
    corpus = load_folder(Path(data), vocab, min_notes=min_notes, cache_dir=cache_dir)
    _, valid = split_by_piece(corpus, val_fraction)
    ticks = np.asarray(vocab.durations, dtype=np.int64)
    styles = predictor.styles
    tally = _Tally()
    for melody in valid:
        notes = melody.notes
        predictor.reset()
        if styles:
            predictor.set_style(melody.collection if melody.collection in styles else "any")
        n = len(notes)
        pitch_logits = np.empty((1, n, vocab.n_pitches), np.float64)
        duration_logits = np.empty((1, n, vocab.n_durations), np.float64)
        onset = 0
        for i in range(n):
            harmony, instrument = int(notes.harmony[i]), int(notes.instrument[i])
            pitch_logits[0, i], duration_logits[0, i] = predictor.predict(
                harmony, instrument, onset)
            pitch_id, duration_id = int(notes.pitch[i]), int(notes.duration[i])
            pitch = None if pitch_id == vocab.rest_id else pitch_id - 1 + vocab.pitch_min
            event = NoteEvent(pitch, int(ticks[duration_id]), harmony, instrument)
            predictor.commit(event, onset)
            onset += int(ticks[duration_id])
        probs = {"pitch": _softmax(pitch_logits), "duration": _softmax(duration_logits)}
        targets = {"pitch": notes.pitch.astype(np.int64)[None],
                   "duration": notes.duration.astype(np.int64)[None]}
        tally.add(probs, targets, np.ones((1, n)))
    return tally.result()


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def score(model, batches) -> HeldOutMetrics:
    """The held-out figures of a model over prepared batches (weights respected)."""
    tally = _Tally()
    for i in range(len(batches)):
        item = batches[i]
        inputs, targets = item[0], item[1]
        weight = item[2]["pitch"] if len(item) == 3 else np.ones(len(targets["pitch"]), np.float32)
        probs = model.predict_on_batch(inputs)
        tally.add(probs, targets, weight)
    return tally.result()


def write_metrics(checkpoint: Path, metrics: HeldOutMetrics) -> Path:
    folder = Path(checkpoint) if Path(checkpoint).is_dir() else Path(checkpoint).parent
    path = folder / "heldout.json"
    path.write_text(json.dumps(metrics.as_dict(), indent=2))
    return path
