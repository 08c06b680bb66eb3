"""Checkpoints as export sees them: training's loader, with its errors as export usage errors
(exit status 2 from ``musicai-export``)."""

from __future__ import annotations

from pathlib import Path

from musicai.export.errors import UsageError
from musicai.training import checkpoint as training_checkpoint
from musicai.training.checkpoint import Checkpoint
from musicai.training.errors import TrainingError

__all__ = ["Checkpoint", "check_folder", "load_checkpoint"]


def check_folder(folder: Path) -> Path:
    try:
        return training_checkpoint.check_folder(folder)
    except TrainingError as err:
        raise UsageError(str(err)) from err


def load_checkpoint(folder: Path) -> Checkpoint:
    try:
        return training_checkpoint.load_checkpoint(folder)
    except TrainingError as err:
        raise UsageError(str(err)) from err
