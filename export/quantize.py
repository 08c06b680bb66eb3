"""int8 dynamic quantisation of an exported model, and what it costs and saves.

``onnxruntime.quantization.quantize_dynamic`` stores the LSTM, MatMul and Gather weights as
int8 (activations are quantised on the fly). Whether that is worth it is measured, not
assumed: the change in NLL on held-out melodies (or synthetic ones, said so) and the change in
per-call latency at one thread, both printed beside the float model's.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace
from pathlib import Path

import onnx
from musicai.export.errors import ExportError, VerificationError
from musicai.export.metadata import attach
from musicai.export.runners import nll, one_call, run_sequence, run_windows
from musicai.export.sequences import Sequences, concat, frames, windows
from musicai.export.timing import Latency, calls_for, measure
from musicai.export.verify import VerifyReport, verify_file
from musicai.export.writing import replace_atomically
from musicai.live.inference.metadata import ModelMetadata
from musicai.live.inference.model_file import ModelFile, open_model

QUANTIZATION = {"type": "int8-dynamic", "weights": "QInt8", "tool": "onnxruntime.quantization"}


@dataclass(frozen=True)
class Comparison:
    """One model's held-out NLL (nats/event) and per-call latency."""

    nll: float
    targets: int
    latency: Latency
    size_bytes: int


@dataclass(frozen=True)
class QuantReport:
    path: Path
    float_model: Comparison
    int8_model: Comparison
    source: str
    call: str
    report: VerifyReport

    def lines(self) -> list[str]:
        f, q = self.float_model, self.int8_model
        first, *checks = self.report.lines()
        return [
            first,
            f"size      {q.size_bytes / 1e6:.2f} MB (float {f.size_bytes / 1e6:.2f} MB)",
            f"NLL       {f.nll:.4f} -> {q.nll:.4f} nats/event ({q.nll - f.nll:+.4f}) over "
            f"{f.targets} targets of {self.source}",
            f"latency   {self.call}: p50 {f.latency.p50_ms:.3f} -> {q.latency.p50_ms:.3f} ms "
            f"(x{q.latency.p50_ms / f.latency.p50_ms:.2f}), p99 {f.latency.p99_ms:.3f} -> "
            f"{q.latency.p99_ms:.3f} ms",
            *checks,
        ]


def int8_path(float_path: Path) -> Path:
    """models/NAME.onnx -> models/NAME.int8.onnx"""
    return float_path.with_name(f"{float_path.stem}.int8{float_path.suffix}")


def quantize(float_path: Path, out: Path, sequences: Sequences, *,
             reference=None) -> QuantReport:
    """Write the int8 model to ``out`` (atomically, with the float model's metadata), after it
    passes verification (parity with ``reference`` is reported, not judged)."""
    source = onnx.load(str(float_path))
    meta = ModelMetadata.from_props(float_path, {p.key: p.value for p in source.metadata_props})
    reports: list[VerifyReport] = []

    def write(tmp: Path) -> None:
        _quantize_dynamic(float_path, tmp)
        model = onnx.load(str(tmp))
        onnx.save(attach(model, replace(meta, quantization=QUANTIZATION)), str(tmp))
        report = verify_file(tmp, reference=reference, sequences=sequences)
        report.path = out
        if not report.passed:
            raise VerificationError(f"{out}: the int8 model failed verification; nothing was "
                                    f"written", report.lines())
        reports.append(report)

    replace_atomically(out, write)
    return QuantReport(out, compare(open_model(float_path), sequences),
                       compare(open_model(out), sequences), sequences.source,
                       "one step" if meta.is_step else f"one window of {meta.window}",
                       reports[0])


def _quantize_dynamic(source: Path, out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # its advice to pre-process is about conv nets, not this
    try:
        quantize_dynamic(source, out, weight_type=QuantType.QInt8)
    except Exception as err:  # the quantiser raises anything from onnx to its own asserts
        raise ExportError(f"{source}: int8 quantisation failed ({err})") from err
    finally:
        root.setLevel(level)


def compare(model: ModelFile, sequences: Sequences, seconds: float = 1.5) -> Comparison:
    total, targets = score(model, sequences)
    inputs, _ = frames(sequences.melodies[0], model.metadata.vocabulary)
    if not model.metadata.is_step:
        inputs = windows(sequences.melodies[0], model.metadata.vocabulary,
                         model.metadata.window)[0]
    call = one_call(model, inputs)
    probe = measure(call, calls=5, warmup=2)
    latency = measure(call, calls=calls_for(seconds, probe.p50_ms))
    return Comparison(total / max(targets, 1) if targets else math.nan, targets, latency,
                      model.size_bytes)


def score(model: ModelFile, sequences: Sequences) -> tuple[float, int]:
    """Summed NLL and target count: every position of each melody (step graph, read from its
    start as played live) or every full window's next event (window graph)."""
    vocab = model.metadata.vocabulary
    if model.metadata.is_step:
        total, count = 0.0, 0
        for melody in sequences.melodies:
            inputs, targets = frames(melody, vocab)
            part, n = nll(run_sequence(model, inputs), targets)
            total, count = total + part, count + n
        return total, count
    pairs = [windows(m, vocab, model.metadata.window) for m in sequences.melodies]
    inputs, targets = concat([p[0] for p in pairs]), concat([p[1] for p in pairs])
    return nll(run_windows(model, inputs), targets)
