"""The shipped models, installed as package data so `musicai-live` finds them after any install.

See README.md in this folder (the model card) for what each file is and how it was made.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def shipped(name: str = "default.onnx") -> Path:
    """The path of a shipped model file (it may be missing in a checkout without models)."""
    return Path(str(files(__name__) / name))
