"""Open an exported model: an onnxruntime session plus the metadata that makes it self-describing.

Runtime side: numpy and onnxruntime only (never TensorFlow, Keras or the ``onnx`` package).
A file that is unreadable, not ours, or of an encoding version this program does not read is
refused with one :class:`~musicai.live.errors.ModelFileError` line naming the file. The schema
of the metadata is ``metadata.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
from musicai.live.errors import ModelFileError
from musicai.live.inference.metadata import ModelMetadata


def session_options(threads: int = 1) -> ort.SessionOptions:
    """Options for live use: few threads, no spinning (spinning cores steal from the MIDI
    thread and the TUI), full graph optimisation, sequential execution."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    options.log_severity_level = 3
    return options


@dataclass
class ModelFile:
    """An opened model: the session to run and what the file says about itself."""

    path: Path
    session: ort.InferenceSession
    metadata: ModelMetadata

    @property
    def size_bytes(self) -> int:
        return self.path.stat().st_size

    def initial_states(self, batch: int = 1) -> dict[str, np.ndarray]:
        """Zero states for every ``h_in``/``c_in`` input: the start of a melody."""
        zeros: dict[str, np.ndarray] = {}
        for state in self.metadata.states:
            for name in (state.h_in, state.c_in):
                zeros[name] = np.zeros((1, batch, state.units), dtype=np.float32)
        return zeros


def open_model(path: str | Path, threads: int = 1) -> ModelFile:
    """Load ``path`` on the CPU and check its metadata against the graph it describes."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(path, "no such model file; pass the path of an exported .onnx")
    try:
        session = ort.InferenceSession(str(path), sess_options=session_options(threads),
                                       providers=["CPUExecutionProvider"])
    except Exception as err:  # onnxruntime's errors share no base class but Exception
        raise ModelFileError(path, f"not a readable ONNX model ({_one_line(err)}); "
                                   f"re-export it with musicai-export") from err
    props = dict(session.get_modelmeta().custom_metadata_map)
    metadata = ModelMetadata.from_props(path, props)
    _check_names(path, session, metadata)
    return ModelFile(path, session, metadata)


def read_metadata(path: str | Path) -> ModelMetadata:
    return open_model(path).metadata


def _check_names(path: Path, session: ort.InferenceSession, metadata: ModelMetadata) -> None:
    """The metadata must name exactly the graph's tensors, or the engine would feed wrong ones."""
    graph_in = {t.name for t in session.get_inputs()}
    graph_out = {t.name for t in session.get_outputs()}
    declared_in = {t.name for t in metadata.inputs}
    declared_in |= {n for s in metadata.states for n in (s.h_in, s.c_in)}
    declared_out = {t.name for t in metadata.outputs}
    declared_out |= {n for s in metadata.states for n in (s.h_out, s.c_out)}
    for kind, declared, actual in (("input", declared_in, graph_in),
                                   ("output", declared_out, graph_out)):
        if declared != actual:
            raise ModelFileError(
                path, f"metadata and graph disagree on the {kind}s (metadata: "
                      f"{', '.join(sorted(declared))}; graph: {', '.join(sorted(actual))}); "
                      f"the file was edited or damaged, re-export it")
    if metadata.is_step and not metadata.states:
        raise ModelFileError(path, "a step model without declared states; re-export it")


def _one_line(err: BaseException, limit: int = 160) -> str:
    """onnxruntime's message without its code prefix and the path (already named)."""
    text = " ".join(str(err).split()) or type(err).__name__
    text = re.sub(r"^\[ONNXRuntimeError\] : \d+ : ", "", text)
    text = re.sub(r"Load model from .*? failed: ?", "", text)
    return text if len(text) <= limit else text[: limit - 3] + "..."

