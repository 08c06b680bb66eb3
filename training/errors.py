"""Deliberate errors of the training side; each message names the thing and the way out."""

from __future__ import annotations

from musicai.live.errors import MusicAIError


class TrainingError(MusicAIError):
    """Training cannot start or go on (bad data folder, bad output folder, bad checkpoint)."""


class UsageError(TrainingError):
    """A command-line value that makes no sense; the CLI exits with code 2."""


class MissingExtraError(TrainingError):
    """A dependency of an optional extra is not installed."""
