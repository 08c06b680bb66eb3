"""Training examples made on the fly, batch by batch, from encoded melodies.

Only the melodies themselves sit in memory (a few bytes per event); windows, sequences and
transposed copies are cut out with numpy fancy indexing when a batch is asked for, so ten
million windows cost an index array, not ten million windows.

An input frame at position t holds the previous event (``bos`` at t = 0), the harmony under
event t and event t's instrument; with encoding v2 also event t's place in the bar, the
pitches one and two bars back, whether the line was repeating them, and the melody's style
(``live/encoding/context.py``). The targets are event t's pitch and duration.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cached_property

import keras
import numpy as np
from musicai.live.encoding import Vocabulary, harmony_features
from musicai.live.encoding.context import melody_context
from musicai.training.dataset import Melody
from musicai.training.normalise import tonic_candidates, tonic_of


class Frames:
    """All melodies' frames in flat arrays, with each melody's offset and pitch span."""

    def __init__(self, melodies: Sequence[Melody], vocab: Vocabulary) -> None:
        self.vocab = vocab
        self._notes = [m.notes for m in melodies]
        lengths = np.array([len(m) for m in melodies], dtype=np.int64)
        self.lengths = lengths
        self.offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        def cat(key: str) -> np.ndarray:
            return np.concatenate([getattr(m.notes, key) for m in melodies])
        pitch, duration = cat("pitch").astype(np.int32), cat("duration").astype(np.int32)
        self.pitch_out, self.duration_out = pitch, duration
        starts = np.zeros(len(pitch), dtype=bool)
        starts[self.offsets] = True
        self.pitch_in = np.where(starts, vocab.bos_id, np.roll(pitch, 1)).astype(np.int32)
        self.duration_in = np.where(starts, vocab.duration_bos_id, np.roll(duration, 1))
        self.duration_in = self.duration_in.astype(np.int32)
        self.harmony = cat("harmony").astype(np.int32)
        self.instrument = cat("instrument").astype(np.int32)
        self.context: dict[str, np.ndarray] = {}
        if vocab.version >= 2:
            self.context = _context(melodies, vocab)
        notes = np.where(pitch > 0, pitch, 0)
        self.highest = np.maximum.reduceat(notes, self.offsets)
        masked = np.where(pitch > 0, pitch, 10_000)
        self.lowest = np.minimum.reduceat(masked, self.offsets)

    def __len__(self) -> int:
        return len(self.lengths)

    @cached_property
    def tonic_shift(self) -> np.ndarray:
        """Per melody, the smallest shift that puts its tonic on C inside the range
        (``--augment tonic``); 0 for a line with no key or none that fits."""
        tonics = [tonic_of(notes, self.vocab) for notes in self._notes]
        keyed = np.array([t is not None for t in tonics])
        candidates = np.array([tonic_candidates(t or 0) for t in tonics], dtype=np.int64)
        fits = self.allowed(candidates) & keyed[:, None]  # a line with no key stays as written
        first = candidates[np.arange(len(tonics)), fits.argmax(axis=1)]
        return np.where(fits.any(axis=1), first, 0)

    def allowed(self, shifts: Sequence[int] | np.ndarray) -> np.ndarray:
        """(melodies, shifts) bool: which transpositions keep each melody inside the range
        (``shifts``: the same for every melody, or one row per melody)."""
        s = np.asarray(shifts)
        s = s[None, :] if s.ndim == 1 else s
        top = self.vocab.n_pitches - 1
        return (self.lowest[:, None] + s >= 1) & (self.highest[:, None] + s <= top)

    def gather(self, index: np.ndarray, shift: np.ndarray) -> tuple[dict, dict]:
        """Inputs and targets at flat positions ``index`` (any shape), transposed by ``shift``."""
        shift = np.broadcast_to(shift, index.shape)
        rest, bos = 0, self.vocab.bos_id
        p_in = self.pitch_in[index]
        p_in = np.where((p_in == rest) | (p_in == bos), p_in, p_in + shift)
        p_out = self.pitch_out[index]
        p_out = np.where(p_out == rest, p_out, p_out + shift)
        s = shift % 12
        h = self.harmony[index]
        h = ((h << s) | (h >> (12 - s))) & 0xFFF
        inputs = {
            "prev_pitch": p_in.astype(np.int32),
            "prev_duration": self.duration_in[index],
            "harmony": harmony_features(h),
            "instrument": self.instrument[index],
        }
        if self.context:
            c = self.context
            inputs["position"] = c["position"][index]
            inputs["level"] = c["level"][index]
            for key in ("lookback_1", "lookback_2"):
                ids = c[key][index]
                inputs[key] = np.where((ids == rest) | (ids == bos), ids, ids + shift
                                       ).astype(np.int32)
            inputs["repeating"] = c["repeating"][index]
            inputs["style"] = c["style"][index]
        return inputs, {"pitch": p_out.astype(np.int32), "duration": self.duration_out[index]}


def _context(melodies: Sequence[Melody], vocab: Vocabulary) -> dict[str, np.ndarray]:
    """The v2 inputs of every event, melody after melody (flat, like the other arrays)."""
    ticks = np.asarray(vocab.durations, dtype=np.int64)
    parts = []
    for m in melodies:
        position, bar = m.notes.placed(vocab.durations)
        context = melody_context(m.notes.pitch, ticks[m.notes.duration.astype(np.int64)],
                                 position, bar, vocab.bos_id)
        context["style"] = np.full(len(m), vocab.style_id(m.collection), dtype=np.int32)
        parts.append(context)
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


STYLE_DROPOUT = 0.2  # training sequences whose style input says "any" (id 0)


class _PlannedBatches(keras.utils.PyDataset):
    """Examples = (unit, shift) pairs, reshuffled each epoch; units are windows or chunks.

    ``augment``: "random" draws one of ``shifts`` per unit per epoch, "all" takes every one,
    "tonic" moves each melody to a tonic of C (``shifts`` unused).
    """

    def __init__(self, frames: Frames, unit_melody: np.ndarray, *, batch_size: int,
                 shifts: Sequence[int], augment: str, shuffle: bool, seed: int,
                 max_steps: int = 0, multiple: int = 1) -> None:
        super().__init__()
        self.frames, self.unit_melody = frames, unit_melody
        self.batch_size, self.shuffle, self.max_steps = batch_size, shuffle, max_steps
        self.seed = seed
        self.shifts = np.asarray(shifts if shifts else (0,), dtype=np.int64)
        self.augment = augment
        self.multiple = multiple  # data parallel: every batch splits evenly over the devices
        self.rng = np.random.default_rng(seed)
        self._allowed = frames.allowed(self.shifts)[unit_melody]
        self._plan()

    def _plan(self) -> None:
        units = np.arange(len(self.unit_melody))
        if self.augment == "all":
            u, k = np.nonzero(self._allowed)
            units, shift = u, self.shifts[k]
        elif self.augment == "tonic":
            shift = self.frames.tonic_shift[self.unit_melody]
        else:
            k = self.rng.integers(len(self.shifts), size=len(units))
            ok = self._allowed[units, k]
            shift = np.where(ok, self.shifts[k], 0)
        if self.shuffle:
            order = self.rng.permutation(len(units))
        elif self.max_steps:  # a fixed random sample, the same every epoch (capped validation)
            sample = np.random.default_rng(self.seed).permutation(len(units))
            order = np.sort(sample[: self.max_steps * self.batch_size])
        else:
            order = np.arange(len(units))
        partial = len(order) % self.batch_size
        if self.multiple > 1 and partial % self.multiple:  # the last batch must split evenly
            order = order[: len(order) - partial % self.multiple]
        self.plan_units, self.plan_shift = units[order], shift[order]
        self.plan_any = (self.rng.random(len(order)) < STYLE_DROPOUT) if self.shuffle else None

    def __len__(self) -> int:
        steps = math.ceil(len(self.plan_units) / self.batch_size)
        return min(steps, self.max_steps) if self.max_steps else steps

    @property
    def examples(self) -> int:
        return len(self.plan_units)

    def on_epoch_end(self) -> None:
        if self.shuffle or self.augment == "random":
            self._plan()

    def _slice(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        lo = i * self.batch_size
        return self.plan_units[lo:lo + self.batch_size], self.plan_shift[lo:lo + self.batch_size]

    def _hide_styles(self, i: int, inputs: dict) -> dict:
        """The planned share of examples with their style hidden (what "any" learns from)."""
        if self.plan_any is not None and "style" in inputs:
            lo = i * self.batch_size
            hidden = self.plan_any[lo:lo + self.batch_size]
            inputs["style"] = np.where(hidden.reshape(-1, *[1] * (inputs["style"].ndim - 1)),
                                       0, inputs["style"]).astype(np.int32)
        return inputs


class WindowBatches(_PlannedBatches):
    """Seed training: a window of frames -> the event at its last position."""

    def __init__(self, frames: Frames, window: int, **kwargs: object) -> None:
        counts = np.maximum(frames.lengths - window + 1, 0)
        melody = np.repeat(np.arange(len(frames)), counts)
        first = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self.window_start = frames.offsets[melody] + (np.arange(len(melody)) - first[melody])
        self.window = window
        super().__init__(frames, melody, **kwargs)

    def __getitem__(self, i: int) -> tuple[dict, dict]:
        units, shift = self._slice(i)
        index = self.window_start[units][:, None] + np.arange(self.window)[None, :]
        inputs, targets = self.frames.gather(index, shift[:, None])
        return self._hide_styles(i, inputs), {k: v[:, -1] for k, v in targets.items()}


class SequenceBatches(_PlannedBatches):
    """Stream training: chunks of ``length`` frames, a target at every position.

    The last chunk of a melody is padded; padded positions carry sample weight 0.
    """

    def __init__(self, frames: Frames, length: int, **kwargs: object) -> None:
        chunks = np.ceil(frames.lengths / length).astype(np.int64)
        melody = np.repeat(np.arange(len(frames)), chunks)
        first = np.concatenate([[0], np.cumsum(chunks)[:-1]])
        self.chunk_start = (np.arange(len(melody)) - first[melody]) * length
        self.length = length
        super().__init__(frames, melody, **kwargs)

    def __getitem__(self, i: int) -> tuple[dict, dict, dict]:
        units, shift = self._slice(i)
        melody = self.unit_melody[units]
        pos = self.chunk_start[units][:, None] + np.arange(self.length)[None, :]
        valid = pos < self.frames.lengths[melody][:, None]
        index = self.frames.offsets[melody][:, None] + np.where(valid, pos, 0)
        inputs, targets = self.frames.gather(index, shift[:, None])
        weight = valid.astype(np.float32)
        return self._hide_styles(i, inputs), targets, {"pitch": weight, "duration": weight}
