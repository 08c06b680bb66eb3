"""Deliberate errors of the export side; each message names the file and the way out."""

from __future__ import annotations

from musicai.live.errors import MusicAIError


class ExportError(MusicAIError):
    """Conversion or verification could not finish; nothing was written."""


class UsageError(ExportError):
    """A command-line value that makes no sense; the CLI exits with code 2."""


class MissingExtraError(UsageError):
    """TensorFlow, tf2onnx or onnx is not installed (the ``train`` extra)."""


class UnsupportedModelError(ExportError):
    """The Keras model holds a layer or setting the graph builders do not translate."""


class VerificationError(ExportError):
    """The ONNX model disagrees with Keras, or fails a check; the CLI exits with code 1.

    ``details`` holds the verification report's lines, printed before the one-line message.
    """

    def __init__(self, message: str, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.details = list(details or [])
