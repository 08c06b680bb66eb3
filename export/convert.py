"""Checkpoint -> verified, self-describing .onnx (and optionally its int8 twin).

The graph is built (a window graph for ``seed``, a step graph for ``stream``), the metadata
attached, the file written under a temp name beside ``--out``, verified against the Keras
model there, and only then renamed into place: a failed export leaves nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import onnx
from musicai.export.checkpoint import Checkpoint, load_checkpoint
from musicai.export.errors import ExportError, UsageError, VerificationError
from musicai.export.graph import GraphSpec
from musicai.export.metadata import attach, build_metadata
from musicai.export.quantize import QuantReport, int8_path, quantize
from musicai.export.sequences import Sequences, load_sequences
from musicai.export.verify import TOLERANCE, VerifyReport, verify_file
from musicai.export.writing import replace_atomically

MIN_OPSET, MAX_OPSET = 14, 18


@dataclass
class ExportResult:
    report: VerifyReport
    quant: QuantReport | None = None

    def lines(self) -> list[str]:
        return self.report.lines() + (self.quant.lines() if self.quant else [])


@dataclass(frozen=True)
class ExportOptions:
    opset: int = 17
    quantize: bool = False
    int8_out: Path | None = None
    data: Path | None = None
    cache_dir: Path | None = None
    sequences: int = 16
    tolerance: float = TOLERANCE
    force: bool = False


def check_out(out: Path, force: bool) -> Path:
    out = Path(out)
    if out.suffix != ".onnx":
        raise UsageError(f"{out}: the output must be an .onnx file, e.g. models/NAME.onnx")
    if out.exists() and not force:
        raise UsageError(f"{out}: already exists; pass --force to replace it")
    if out.is_dir():
        raise UsageError(f"{out}: is a folder; pass a file name, e.g. {out}/NAME.onnx")
    return out


def check_opset(opset: int) -> int:
    if not MIN_OPSET <= opset <= MAX_OPSET:
        raise UsageError(f"--opset {opset} is not supported; use {MIN_OPSET}..{MAX_OPSET}")
    return opset


def build_graph(checkpoint: Checkpoint, opset: int) -> tuple[onnx.ModelProto, GraphSpec]:
    if checkpoint.arch == "seed":
        from musicai.export.window_graph import build_window_graph

        return build_window_graph(checkpoint.model, checkpoint.config.model, opset)
    from musicai.export.step_graph import build_step_graph

    return build_step_graph(checkpoint.model, checkpoint.config.model, opset)


def export(checkpoint_dir: Path, out: Path, options: ExportOptions) -> ExportResult:
    out = check_out(out, options.force)
    check_opset(options.opset)
    int8_out = check_out(options.int8_out or int8_path(out), options.force) \
        if options.quantize else None
    checkpoint = load_checkpoint(checkpoint_dir)
    sequences = load_sequences(options.data, checkpoint.config, count=options.sequences,
                               cache_dir=options.cache_dir)
    proto, spec = build_graph(checkpoint, options.opset)
    attach(proto, build_metadata(checkpoint, spec))
    try:
        onnx.checker.check_model(proto)
    except onnx.checker.ValidationError as err:
        raise ExportError(f"the built graph is not valid ONNX ({_first_line(err)}); nothing "
                          f"was written") from err
    reports: list[VerifyReport] = []

    def write(tmp: Path) -> None:
        onnx.save(proto, str(tmp))
        report = verify_file(tmp, reference=checkpoint.model, sequences=sequences,
                             tolerance=options.tolerance)
        report.path = out
        if not report.passed:
            raise VerificationError(f"{out}: the exported graph failed verification; nothing "
                                    f"was written", report.lines())
        reports.append(report)

    replace_atomically(out, write)
    result = ExportResult(reports[0])
    if int8_out is not None:
        result.quant = quantize(out, int8_out, sequences, reference=checkpoint.model)
    return result


def verify(path: Path, checkpoint_dir: Path | None, options: ExportOptions) -> list[str]:
    """The report lines of ``--verify``; raises VerificationError when a check fails."""
    from musicai.live.inference.model_file import open_model
    from musicai.training.config import TrainConfig

    meta = open_model(path).metadata
    checkpoint = load_checkpoint(checkpoint_dir) if checkpoint_dir else None
    if checkpoint and checkpoint.arch != meta.architecture:
        raise UsageError(f"{path} is a {meta.architecture} model but {checkpoint_dir} holds a "
                         f"{checkpoint.arch} model; pass the checkpoint it was exported from")
    try:
        config = checkpoint.config if checkpoint else TrainConfig.from_dict(meta.training_config)
    except (TypeError, ValueError) as err:
        raise ExportError(f"{path}: its training_config metadata is unusable here ({err}); "
                          f"pass --checkpoint DIR") from err
    sequences = load_sequences(options.data, config, count=options.sequences,
                               cache_dir=options.cache_dir) \
        if checkpoint or options.data else None
    report = verify_file(path, reference=checkpoint.model if checkpoint else None,
                         sequences=sequences, tolerance=options.tolerance)
    lines = report.lines()
    if sequences is not None:
        lines.append(_nll_line(path, sequences))
    if not report.passed:
        raise VerificationError(f"{path}: verification failed", lines)
    return lines


def _nll_line(path: Path, sequences: Sequences) -> str:
    from musicai.export.quantize import score
    from musicai.live.inference.model_file import open_model

    total, targets = score(open_model(path), sequences)
    return (f"{'NLL':<9} {'--':<6} {total / max(targets, 1):.4f} nats/event over {targets} "
            f"targets of {sequences.source}")


def _first_line(err: BaseException) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]
