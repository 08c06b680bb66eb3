"""Checkpoints as export sees them: training's loader, with its errors as export usage errors
(exit status 2 from ``musicai-export``)."""

from __future__ import annotations

from pathlib import Path

from musicai.export.errors import UsageError
from musicai.training import checkpoint as training_checkpoint
from musicai.training.checkpoint import Checkpoint
from musicai.training.config import TrainConfig
from musicai.training.errors import TrainingError

__all__ = ["Checkpoint", "check_folder", "load_checkpoint"]


def check_folder(folder: Path) -> Path:
    """A checkpoint live can play, checked before TensorFlow is imported."""
    try:
        folder = training_checkpoint.check_folder(folder)
        config = TrainConfig.load(folder / training_checkpoint.CONFIG)
    except TrainingError as err:
        raise UsageError(str(err)) from err
    _refuse_tonic(folder, config)
    return folder


def load_checkpoint(folder: Path) -> Checkpoint:
    try:
        loaded = training_checkpoint.load_checkpoint(folder)
    except TrainingError as err:
        raise UsageError(str(err)) from err
    _refuse_tonic(folder, loaded.config)
    return loaded


def _refuse_tonic(folder: Path, config: TrainConfig) -> None:
    """Live plays in written keys; a model that only knows melodies moved to C is not for it."""
    if config.augment == "tonic":
        raise UsageError(
            f"{folder}: trained with --augment tonic (every melody moved to C), which live "
            "cannot play (it does not move what it hears to C); export a model trained over "
            "12 keys (--augment random)")
