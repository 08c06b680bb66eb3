"""Model and training settings, in one dataclass saved beside every checkpoint.

``preset`` names a starting point ("full" is the shipped size, "tiny" trains in seconds for
tests); command-line flags then override single fields. The config travels into the ONNX
file's metadata at export, so a model always says how it was made.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from musicai.live.encoding import ENCODING_VERSION, Vocabulary
from musicai.live.encoding.vocab import SUPPORTED_VERSIONS
from musicai.training.errors import UsageError

ARCHITECTURES = ("seed", "stream")
AUGMENTS = ("random", "all", "tonic")


@dataclass(frozen=True)
class ModelConfig:
    arch: str = "stream"
    encoding: int = ENCODING_VERSION  # the inputs (live/encoding/vocab.py); 1: no bar context
    # inputs
    pitch_embedding: int = 64
    duration_embedding: int = 16
    instrument_embedding: int = 8
    position_embedding: int = 8  # encoding v2: 16th slot in the bar
    level_embedding: int = 4  # encoding v2: beat level
    style_embedding: int = 4  # encoding v2: source collection
    # seed: window of events -> next event
    window: int = 32
    seed_units: int = 256
    seed_dense: int = 512
    # stream: causal stacked LSTM, sequence to sequence
    stream_units: int = 256
    stream_layers: int = 3
    sequence_length: int = 64
    dropout: float = 0.3

    def vocabulary(self) -> Vocabulary:
        """The vocabulary this model reads (its encoding version decides the inputs)."""
        return Vocabulary() if self.encoding == ENCODING_VERSION else Vocabulary(
            version=self.encoding, styles=())


@dataclass(frozen=True)
class TrainConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    preset: str = "full"
    batch_size: int = 64
    epochs: int = 200
    learning_rate: float = 1e-3
    early_stopping_patience: int = 10
    lr_patience: int = 5
    lr_factor: float = 0.5
    min_lr: float = 1e-6
    validation_fraction: float = 0.1
    #: Every key: -5..+6 semitones, so no pitch class is favoured (with ``random``, one
    #: transposition per sequence per epoch).
    transpositions: tuple[int, ...] = tuple(range(-5, 7))
    #: "all": every transposition of every window each epoch (the seed's way, 12x the data);
    #: "random": one transposition drawn per window/sequence per epoch (same variety over
    #: epochs at a twelfth of the cost per epoch); "tonic": no augmentation, every melody
    #: moved to a tonic of C instead (``training/normalise.py``; train and held-out alike).
    augment: str = "random"
    min_notes: int = 8
    seed: int = 1234
    #: Cap on training batches per epoch (0 = all): a time budget for slow architectures.
    steps_per_epoch: int = 0
    #: Cap on validation batches (0 = all): a fixed random sample of held-out examples, the
    #: same every epoch, so the seed model's epochs are not dominated by validation.
    validation_steps: int = 0

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        # A config written before encoding v2 has no "encoding": its model reads v1 inputs.
        model = ModelConfig(**{"encoding": 1, **data.get("model", {})})
        rest = {k: v for k, v in data.items() if k != "model"}
        if "transpositions" in rest:
            rest["transpositions"] = tuple(rest["transpositions"])
        return cls(model=model, **rest)

    @property
    def held_out_augment(self) -> str:
        """How validation and held-out batches are cut: the melodies moved to C for a model
        trained on them (``tonic``), in their written keys (``random`` with shift 0) else."""
        return "tonic" if self.augment == "tonic" else "random"

    @classmethod
    def load(cls, path: Path) -> TrainConfig:
        try:
            return cls.from_dict(json.loads(Path(path).read_text()))
        except (OSError, ValueError, TypeError) as err:
            raise UsageError(f"{path}: not a training config ({err})") from err


PRESETS: dict[str, TrainConfig] = {
    "full": TrainConfig(),
    "tiny": TrainConfig(
        model=ModelConfig(
            pitch_embedding=8, duration_embedding=4, instrument_embedding=2,
            position_embedding=2, level_embedding=2, style_embedding=2, window=8,
            seed_units=8, seed_dense=16, stream_units=16, stream_layers=2, sequence_length=16,
            dropout=0.1,
        ),
        preset="tiny",
        batch_size=16,
        epochs=3,
        early_stopping_patience=2,
        lr_patience=1,
        transpositions=(-1, 0, 1),
        min_notes=4,
    ),
}


def make_config(arch: str, preset: str = "full", **overrides: object) -> TrainConfig:
    """A preset with the architecture set and any non-None overrides applied."""
    if arch not in ARCHITECTURES:
        raise UsageError(f"unknown architecture {arch!r}; choose one of {', '.join(ARCHITECTURES)}")
    if preset not in PRESETS:
        raise UsageError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    base = PRESETS[preset]
    model_names = {f.name for f in fields(ModelConfig)}
    model_over = {k: v for k, v in overrides.items() if k in model_names and v is not None}
    train_over = {k: v for k, v in overrides.items() if k not in model_names and v is not None}
    unknown = set(train_over) - {f.name for f in fields(TrainConfig)}
    if unknown:
        raise UsageError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    config = replace(base, model=replace(base.model, arch=arch, **model_over), **train_over)
    if config.augment not in AUGMENTS:
        raise UsageError(f"--augment must be one of {', '.join(AUGMENTS)}, not {config.augment!r}")
    if config.model.encoding not in SUPPORTED_VERSIONS:
        raise UsageError(f"--encoding {config.model.encoding} is not one of "
                         f"{', '.join(map(str, SUPPORTED_VERSIONS))}")
    if not 0.0 < config.validation_fraction < 1.0:
        raise UsageError("--val-fraction must be between 0 and 1")
    return config
