"""Is an exported file right? Loads, metadata, op census, and agreement with Keras.

Always: the file loads on onnxruntime's CPUExecutionProvider through the live reader
(``live/inference/model_file.py``), its metadata matches the graph, the census shows native LSTM ops
and no Loop/Scan, and a smoke inference on synthetic melodies gives finite outputs of the
vocabulary's widths (for a step graph also: stepping with carried states equals one call over
the whole melody). With the Keras model: probabilities within ``tolerance`` of Keras on real
(or synthetic) sequences, for a step graph at every position of every melody.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
from musicai.export.graph import LOOP_OPS, format_census, op_census
from musicai.export.reference import KerasReference
from musicai.export.runners import HEADS, run_sequence, run_stepwise, run_windows, softmax
from musicai.export.sequences import Sequences, concat, frames, synthetic_melodies, windows
from musicai.live.inference.metadata import ModelMetadata
from musicai.live.inference.model_file import ModelFile, open_model

TOLERANCE = 1e-5
NATIVE_LSTM_OPS = ("LSTM", "DynamicQuantizeLSTM")
SEED_LSTM_OPS = 3  # two bidirectional LSTMs and one forward LSTM
MAX_WINDOWS = 512


@dataclass(frozen=True)
class Check:
    name: str
    detail: str
    passed: bool | None  # None: reported, not judged


@dataclass
class VerifyReport:
    path: Path
    size_bytes: int
    census: Counter
    metadata: ModelMetadata
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(check.passed is not False for check in self.checks)

    def add(self, name: str, detail: str, passed: bool | None) -> None:
        self.checks.append(Check(name, detail, passed))

    def lines(self) -> list[str]:
        meta = self.metadata
        kind = f"{meta.architecture} {meta.graph} graph"
        if meta.quantization:
            kind += f", {meta.quantization.get('type', 'quantized')}"
        head = [f"file      {self.path} ({self.size_bytes / 1e6:.2f} MB, {kind}, encoding "
                f"v{meta.encoding_version}, commit {meta.source_commit[:12]})",
                f"ops       {format_census(self.census)}"]
        marks = {True: "ok", False: "FAILED", None: "--"}
        return head + [f"{c.name:<9} {marks[c.passed]:<6} {c.detail}" for c in self.checks]


def verify_file(path: Path, *, reference=None, sequences: Sequences | None = None,
                tolerance: float = TOLERANCE) -> VerifyReport:
    """Check ``path``; with a Keras ``reference`` model also check parity on ``sequences``.

    Raises ``ModelFileError`` (one line) when the file cannot be opened as a MusicAI model.
    """
    model = open_model(path)
    census = op_census(onnx.load(str(path), load_external_data=False))
    report = VerifyReport(Path(path), model.size_bytes, census, model.metadata)
    report.add("load", "onnxruntime CPUExecutionProvider; metadata matches the graph", True)
    _check_census(report)
    _check_smoke(report, model)
    if reference is not None and sequences is not None:
        _check_parity(report, model, KerasReference(reference), sequences, tolerance)
    return report


def expected_lstm_ops(meta: ModelMetadata) -> int:
    return len(meta.states) if meta.is_step else SEED_LSTM_OPS


def _check_census(report: VerifyReport) -> None:
    native = sum(report.census[op] for op in NATIVE_LSTM_OPS)
    loops = sum(report.census[op] for op in LOOP_OPS)
    expected = expected_lstm_ops(report.metadata)
    report.add("census", f"native LSTM ops {native} (expected {expected}), Loop/Scan ops {loops}",
               native == expected and loops == 0)


def _check_smoke(report: VerifyReport, model: ModelFile) -> None:
    meta = model.metadata
    vocab = meta.vocabulary
    length = (meta.window or 0) + 8
    melody = synthetic_melodies(1, length, seed=7)[0]
    inputs, _ = frames(melody, vocab)
    if meta.is_step:
        out = run_sequence(model, inputs)
        stepped = run_stepwise(model, inputs)
        drift = max(float(np.abs(out[k] - stepped[k]).max()) for k in out)
        # int8 activations are scaled per call, so steps and one long call legitimately differ
        judged = None if meta.quantization else drift <= TOLERANCE
        report.add("steps", f"{length} events stepped with carried states vs one call: max "
                            f"|diff| {drift:.1e} (logits)", judged)
    else:
        out = run_windows(model, windows(melody, vocab, meta.window)[0])
    widths = {"pitch": vocab.n_pitches, "duration": vocab.n_durations}
    bad = [name for name, value in out.items()
           if not np.isfinite(value).all() or value.shape[-1] != widths[name.split("_")[0]]]
    report.add("smoke", f"{len(out)} outputs over {length} synthetic events: finite, widths "
                        f"{widths['pitch']}/{widths['duration']}" if not bad
               else f"bad outputs: {', '.join(bad)}", not bad)


def _check_parity(report: VerifyReport, model: ModelFile, reference: KerasReference,
                  sequences: Sequences, tolerance: float) -> None:
    quantized = bool(model.metadata.quantization)
    if model.metadata.is_step:
        diffs, positions = _step_parity(model, reference, sequences)
        what = f"{positions} positions of {sequences.source}"
    else:
        diffs, count = _window_parity(model, reference, sequences)
        what = f"{count} windows of {sequences.source}"
    for name, (probs, logits) in diffs.items():
        judged = None if quantized else probs <= tolerance
        limit = "not judged: int8" if quantized else f"tolerance {tolerance:.0e}"
        report.add(name, f"vs Keras at {what}: max |dp| {probs:.2e} (logits {logits:.2e}; "
                         f"{limit})", judged)


def _step_parity(model: ModelFile, reference: KerasReference,
                 sequences: Sequences) -> tuple[dict[str, tuple[float, float]], int]:
    """Stepping event by event and one whole-melody call, each against Keras's full sequence."""
    worst = {"stepwise": [0.0, 0.0], "sequence": [0.0, 0.0]}
    vocab = model.metadata.vocabulary
    melodies = [frames(melody, vocab)[0] for melody in sequences.melodies]
    references = _padded_reference(reference, melodies)
    for inputs, expected in zip(melodies, references, strict=True):
        for name, got in (("stepwise", run_stepwise(model, inputs)),
                          ("sequence", run_sequence(model, inputs))):
            for head in HEADS:
                logits = got[f"{head}_logits"]
                dp = np.abs(softmax(logits) - expected[f"{head}_probs"]).max()
                dl = np.abs(logits - expected[f"{head}_logits"]).max()
                worst[name] = [max(worst[name][0], float(dp)), max(worst[name][1], float(dl))]
    positions = sum(m["prev_pitch"].shape[1] for m in melodies)
    return {k: (v[0], v[1]) for k, v in worst.items()}, positions


def _padded_reference(reference: KerasReference, melodies: list[dict[str, np.ndarray]],
                      batch: int = 32) -> list[dict[str, np.ndarray]]:
    """Keras over all melodies in a few batched calls (an eager call costs about a second
    whatever its size). Melodies are padded at the end: the model is causal, so padding
    changes no earlier position."""
    longest = max(m["prev_pitch"].shape[1] for m in melodies)
    def pad(x: np.ndarray) -> np.ndarray:
        widths = [(0, 0), (0, longest - x.shape[1])] + [(0, 0)] * (x.ndim - 2)
        return np.pad(x, widths)
    results = []
    for lo in range(0, len(melodies), batch):
        group = melodies[lo:lo + batch]
        out = reference({k: np.concatenate([pad(m[k]) for m in group]) for k in group[0]})
        results += [{k: v[i, :m["prev_pitch"].shape[1]] for k, v in out.items()}
                    for i, m in enumerate(group)]
    return results


def _window_parity(model: ModelFile, reference: KerasReference,
                   sequences: Sequences) -> tuple[dict[str, tuple[float, float]], int]:
    vocab, window = model.metadata.vocabulary, model.metadata.window
    inputs = concat([windows(m, vocab, window)[0] for m in sequences.melodies])
    count = len(inputs["prev_pitch"])
    if count > MAX_WINDOWS:
        pick = np.linspace(0, count - 1, MAX_WINDOWS).astype(np.int64)
        inputs = {k: v[pick] for k, v in inputs.items()}
    expected = concat([reference({k: v[lo:lo + 256] for k, v in inputs.items()})
                       for lo in range(0, len(inputs["prev_pitch"]), 256)])
    got = run_windows(model, inputs)
    dp = max(float(np.abs(got[f"{h}_probs"] - expected[f"{h}_probs"]).max()) for h in HEADS)
    dl = max(float(np.abs(got[f"{h}_logits"] - expected[f"{h}_logits"]).max()) for h in HEADS)
    return {"windows": (dp, dl)}, len(inputs["prev_pitch"])
