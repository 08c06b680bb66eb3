"""A training output folder: the Keras model, its config and the records beside it.

Exporting and evaluating both start here. It needs ``training.config`` and
``training.models`` only, never the MIDI pipeline, so a model can be exported on a machine
that cannot read MIDI files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from musicai.training.config import TrainConfig
from musicai.training.errors import UsageError

WEIGHTS = "best.weights.h5"
LAST_WEIGHTS = "last.weights.h5"
CONFIG = "config.json"


@dataclass
class Checkpoint:
    folder: Path
    model: Any  # keras.Model (Keras is imported lazily)
    config: TrainConfig
    summary: dict | None
    heldout: dict | None

    @property
    def arch(self) -> str:
        return self.config.model.arch


def check_folder(folder: Path) -> Path:
    """Fail fast, before TensorFlow is imported, when ``folder`` is not a checkpoint."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such checkpoint folder; pass the --out folder of "
                         f"musicai-train")
    missing = [name for name in (CONFIG, WEIGHTS) if not (folder / name).is_file()]
    if missing:
        raise UsageError(f"{folder}: not a training output ({' and '.join(missing)} missing); "
                         f"pass the --out folder of musicai-train")
    return folder


def load_checkpoint(folder: Path) -> Checkpoint:
    folder = check_folder(folder)
    config = TrainConfig.load(folder / CONFIG)
    from musicai.training.models import build_model
    from musicai.training.quiet import import_keras_quietly

    import_keras_quietly()
    model = build_model(config, config.model.vocabulary())
    try:
        model.load_weights(folder / WEIGHTS)
    except (OSError, ValueError) as err:
        raise UsageError(f"{folder / WEIGHTS}: cannot load these weights into the "
                         f"{config.model.arch} model of {CONFIG} ({err})") from err
    return Checkpoint(folder, model, config, read_record(folder / "summary.json"),
                      read_record(folder / "heldout.json"))


def read_record(path: Path) -> dict | None:
    """A JSON record training may have written; absent or unreadable ones are omitted."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
