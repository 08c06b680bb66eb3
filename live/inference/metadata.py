"""The metadata that makes a MusicAI ``.onnx`` file self-describing, and its one schema.

A model file carries, in ``metadata_props`` (every value JSON), its encoding version and full
vocabulary, the names and shapes of its tensors (and, for a step graph, of the LSTM states it
carries), and how it was made. ``export/`` writes it through :meth:`ModelMetadata.to_props`;
``model_file.py`` reads it back. A value that is missing or malformed is a
:class:`~musicai.live.errors.ModelFileError` naming the file and the key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from musicai.live.encoding.vocab import SUPPORTED_VERSIONS, Vocabulary
from musicai.live.errors import ModelFileError, VocabularyError

FORMAT = "musicai-model"
FORMAT_VERSION = 1
PREFIX = "musicai."
ARCHITECTURES = ("seed", "stream")
GRAPHS = {"seed": "window", "stream": "step"}
#: What one input position means; the same for both graphs (see training/batches.py).
FRAME = (
    "position t holds the previous event (bos ids at the start of a melody), the harmony "
    "(12 pitch-class bits) under event t and event t's instrument family; encoding 2 adds "
    "event t's 16th slot and beat level in the bar, the pitch ids sounding 1 and 2 bars "
    "before it (bos: before the melody), whether the previous event repeated them, and the "
    "style id (vocabulary.styles); the outputs at t describe event t"
)

Dim = int | str


@dataclass(frozen=True)
class TensorSpec:
    """One graph input or output; string dims are symbolic ("batch", "time")."""

    name: str
    dtype: str
    shape: tuple[Dim, ...]

    def as_dict(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "shape": list(self.shape)}

    @classmethod
    def from_dict(cls, data: dict) -> TensorSpec:
        return cls(str(data["name"]), str(data["dtype"]), tuple(data["shape"]))


@dataclass(frozen=True)
class StateSpec:
    """The four tensors of one LSTM layer's carried state, each ``(1, batch, units)``."""

    layer: int
    h_in: str
    c_in: str
    h_out: str
    c_out: str
    units: int

    def as_dict(self) -> dict:
        return {"layer": self.layer, "h_in": self.h_in, "c_in": self.c_in,
                "h_out": self.h_out, "c_out": self.c_out, "units": self.units,
                "shape": [1, "batch", self.units]}

    @classmethod
    def from_dict(cls, data: dict) -> StateSpec:
        return cls(int(data["layer"]), str(data["h_in"]), str(data["c_in"]),
                   str(data["h_out"]), str(data["c_out"]), int(data["units"]))


@dataclass(frozen=True)
class ModelMetadata:
    """Everything a model file says about itself, typed."""

    encoding_version: int
    vocabulary: Vocabulary
    architecture: str
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]
    states: tuple[StateSpec, ...] = ()
    window: int | None = None
    training_config: dict = field(default_factory=dict)
    data: dict | None = None
    heldout: dict | None = None
    training: dict | None = None
    source_commit: str = "unknown"
    exported_at: str = ""
    tools: dict = field(default_factory=dict)
    quantization: dict | None = None
    format_version: int = FORMAT_VERSION

    @property
    def graph(self) -> str:
        """``window`` (seed: a whole window per call) or ``step`` (stream: events + states)."""
        return GRAPHS[self.architecture]

    @property
    def is_step(self) -> bool:
        return self.graph == "step"

    def to_props(self) -> dict[str, str]:
        """The ``metadata_props`` entries: every value JSON-encoded."""
        values: dict[str, Any] = {
            "format": FORMAT,
            "format_version": self.format_version,
            "encoding_version": self.encoding_version,
            "vocabulary": self.vocabulary.describe(),
            "architecture": self.architecture,
            "graph": self.graph,
            "frame": FRAME,
            "inputs": [t.as_dict() for t in self.inputs],
            "outputs": [t.as_dict() for t in self.outputs],
            "states": [s.as_dict() for s in self.states],
            "window": self.window,
            "training_config": self.training_config,
            "data": self.data,
            "heldout": self.heldout,
            "training": self.training,
            "source_commit": self.source_commit,
            "exported_at": self.exported_at,
            "tools": self.tools,
            "quantization": self.quantization,
        }
        return {PREFIX + k: json.dumps(v, sort_keys=True) for k, v in values.items()}

    @classmethod
    def from_props(cls, path: object, props: dict[str, str]) -> ModelMetadata:
        """Parse and check ``metadata_props``; refuses foreign files and other encodings."""
        reader = _PropReader(path, props)
        if reader.get("format", None) != FORMAT:
            raise ModelFileError(path, "not a MusicAI model (no musicai metadata in it); "
                                       "export one with musicai-export")
        fmt = reader.integer("format_version")
        if fmt != FORMAT_VERSION:
            raise ModelFileError(path, f"model file format {fmt} is not readable by this program "
                                       f"(it reads format {FORMAT_VERSION}); update musicai or "
                                       f"re-export the model")
        version = reader.integer("encoding_version")
        if version not in SUPPORTED_VERSIONS:
            supported = ", ".join(map(str, SUPPORTED_VERSIONS))
            raise ModelFileError(path, f"made for encoding version {version}, but this program "
                                       f"reads encoding version {supported}; use a model "
                                       f"exported for version {supported} or a musicai release "
                                       f"that reads version {version}")
        vocabulary = reader.vocabulary(version)
        architecture = reader.get("architecture")
        if architecture not in ARCHITECTURES:
            raise ModelFileError(path, f"unknown architecture {architecture!r} in the metadata "
                                       f"(expected {' or '.join(ARCHITECTURES)}); re-export it")
        return cls(
            encoding_version=version,
            vocabulary=vocabulary,
            architecture=architecture,
            inputs=reader.specs("inputs", TensorSpec),
            outputs=reader.specs("outputs", TensorSpec),
            states=reader.specs("states", StateSpec),
            window=reader.get("window", None),
            training_config=reader.get("training_config", {}) or {},
            data=reader.get("data", None),
            heldout=reader.get("heldout", None),
            training=reader.get("training", None),
            source_commit=str(reader.get("source_commit", "unknown")),
            exported_at=str(reader.get("exported_at", "")),
            tools=reader.get("tools", {}) or {},
            quantization=reader.get("quantization", None),
            format_version=fmt,
        )


_MISSING = object()


class _PropReader:
    """JSON values out of ``metadata_props``, each failure one line naming the key."""

    def __init__(self, path: object, props: dict[str, str]) -> None:
        self.path, self.props = path, props

    def fail(self, key: str, why: str) -> ModelFileError:
        return ModelFileError(self.path, f"metadata {PREFIX}{key} {why}; re-export the model "
                                         f"with musicai-export")

    def get(self, key: str, default: Any = _MISSING) -> Any:
        text = self.props.get(PREFIX + key)
        if text is None:
            if default is _MISSING:
                raise self.fail(key, "is missing")
            return default
        try:
            return json.loads(text)
        except ValueError as err:
            raise self.fail(key, f"is not JSON ({err})") from err

    def integer(self, key: str) -> int:
        value = self.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(key, f"should be an integer, not {value!r}")
        return value

    def vocabulary(self, version: int) -> Vocabulary:
        data = self.get("vocabulary")
        if not isinstance(data, dict) or data.get("version") != version:
            raise self.fail("vocabulary", f"does not describe encoding version {version}")
        try:
            return Vocabulary.from_json(json.dumps(data))
        except VocabularyError as err:
            raise self.fail("vocabulary", f"is unusable ({err})") from err

    def specs(self, key: str, kind: type) -> tuple:
        items = self.get(key, [])
        try:
            return tuple(kind.from_dict(item) for item in items)
        except (KeyError, TypeError, ValueError) as err:
            raise self.fail(key, f"is malformed ({err!r})") from err


