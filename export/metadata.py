"""What a model file says about itself: gathered at export, written into ``metadata_props``.

The schema belongs to ``live/inference/model_file.py`` (the reader); this module only collects the
values: the checkpoint's config and the records training left beside it, the source commit,
the export time and the tool versions.
"""

from __future__ import annotations

import json
import platform
import subprocess
from datetime import datetime, timezone
from importlib import metadata as dist
from pathlib import Path

import onnx
from musicai.export.checkpoint import Checkpoint
from musicai.export.graph import GraphSpec
from musicai.live.inference.metadata import ModelMetadata

TOOLS = ("musicai", "tensorflow", "keras", "tf2onnx", "onnx", "onnxruntime", "numpy")


def build_metadata(checkpoint: Checkpoint, spec: GraphSpec) -> ModelMetadata:
    config = checkpoint.config
    summary = checkpoint.summary or {}
    return ModelMetadata(
        encoding_version=config.model.encoding,
        vocabulary=config.model.vocabulary(),
        architecture=config.model.arch,
        inputs=spec.inputs,
        outputs=spec.outputs,
        states=spec.states,
        window=config.model.window if config.model.arch == "seed" else None,
        training_config=json.loads(config.to_json()),
        data=summary.get("data"),
        heldout=checkpoint.heldout,
        training=training_record(summary),
        source_commit=source_commit(),
        exported_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        tools=tool_versions(),
    )


def training_record(summary: dict) -> dict | None:
    """Time, hardware and outcome of the run, from the checkpoint's summary.json
    (``total_wall_seconds``: every resumed run together)."""
    keys = ("result", "wall_seconds", "total_wall_seconds", "hardware", "versions")
    record = {k: summary[k] for k in keys if k in summary}
    return record or None


def source_commit() -> str:
    """The commit of the code doing the export (the code that defined the model)."""
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent,
                              capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() or "unknown"


def tool_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in TOOLS:
        try:
            versions[name] = dist.version(name)
        except dist.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def attach(model: onnx.ModelProto, meta: ModelMetadata) -> onnx.ModelProto:
    """Replace the model's MusicAI metadata entries with ``meta`` (other entries stay)."""
    props = meta.to_props()
    keep = {p.key: p.value for p in model.metadata_props if p.key not in props}
    onnx.helper.set_model_props(model, keep | props)
    return model
