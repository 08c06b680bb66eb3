"""Token ids for the models, and the vocabulary description that travels inside a model file.

Pitch ids: 0 is a rest, 1.. are the MIDI notes ``pitch_min..pitch_max`` (the 88 piano keys by
default), and one id past the last note is ``bos``, the start-of-melody marker that only ever
appears as an input. Duration ids index ``durations``; one past the
last is ``duration_bos_id``, paired with ``bos``. Harmony is a 12-bit mask and
instrument a GM family (16 = drums), both used as they are. A model file stores
``Vocabulary.to_json()`` and the live engine refuses a file whose ``version`` it does not know.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from musicai.live.encoding.events import DRUMS, INSTRUMENT_FAMILIES, NoteEvent
from musicai.live.encoding.grid import DURATION_NAMES, DURATIONS, TICKS_PER_QUARTER
from musicai.live.errors import EncodingError, VocabularyError

#: Bump when the meaning of any token id changes; models record the version they were made with.
#: 2 added each event's place in the bar, the lookback one and two bars back and the style.
ENCODING_VERSION = 2
SUPPORTED_VERSIONS = (1, 2)

#: The collections a v2 model tells apart (its ``style`` input). 0, "any", is no collection in
#: particular: melodies from other folders, and a fifth of the training sequences with their
#: style hidden, so "any" plays the model's whole mix.
STYLES = ("any", "bach", "essen", "oneills", "ryans", "airds")

#: Model inputs per encoding version: (name, dtype, values per event). Inputs are fed by name,
#: so a v1 model file still plays (the predictors feed what its graph asks for).
INPUTS_V1 = (("prev_pitch", "int32", 1), ("prev_duration", "int32", 1),
             ("harmony", "float32", 12), ("instrument", "int32", 1))
INPUTS_V2 = (*INPUTS_V1, ("position", "int32", 1), ("level", "int32", 1),
             ("lookback_1", "int32", 1), ("lookback_2", "int32", 1),
             ("repeating", "float32", 2), ("style", "int32", 1))


@dataclass(frozen=True)
class EncodedMelody:
    """A melody as parallel arrays, one row per event (what the data pipeline stores)."""

    pitch: np.ndarray  # int16 pitch ids
    duration: np.ndarray  # int8 duration ids
    harmony: np.ndarray  # uint16 12-bit masks
    instrument: np.ndarray  # int8 GM family or DRUMS
    position: np.ndarray | None = None  # int16 ticks after the bar line; None: bar at the start
    bar: np.ndarray | None = None  # int16 ticks per bar under each event; None: 4/4

    def __len__(self) -> int:
        return len(self.pitch)

    def placed(self, durations: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """(position, bar) of every event: the stored ones, or 4/4 from a bar line at the start."""
        if self.position is not None and self.bar is not None:
            return self.position.astype(np.int64), self.bar.astype(np.int64)
        ticks = np.asarray(durations, dtype=np.int64)[self.duration.astype(np.int64)]
        onsets = np.cumsum(ticks) - ticks
        return onsets % (4 * TICKS_PER_QUARTER), np.full(len(ticks), 4 * TICKS_PER_QUARTER)

    def clipped(self, stop: int) -> EncodedMelody:
        """The first ``stop`` events."""
        def cut(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else a[:stop]
        return EncodedMelody(self.pitch[:stop], self.duration[:stop], self.harmony[:stop],
                             self.instrument[:stop], cut(self.position), cut(self.bar))


@dataclass(frozen=True)
class Vocabulary:
    version: int = ENCODING_VERSION
    ticks_per_quarter: int = TICKS_PER_QUARTER
    pitch_min: int = 21
    pitch_max: int = 108
    durations: tuple[int, ...] = DURATIONS
    harmony_bits: int = 12
    instrument_families: tuple[str, ...] = INSTRUMENT_FAMILIES
    drums: int = DRUMS
    styles: tuple[str, ...] = STYLES
    _duration_ids: dict[int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_duration_ids", {d: i for i, d in enumerate(self.durations)})

    # sizes ---------------------------------------------------------------------------------
    @property
    def rest_id(self) -> int:
        return 0

    @property
    def n_pitches(self) -> int:
        """Output classes of the pitch head: the rest plus every note in range."""
        return self.pitch_max - self.pitch_min + 2

    @property
    def bos_id(self) -> int:
        return self.n_pitches

    @property
    def n_pitch_inputs(self) -> int:
        """Input ids of the pitch embedding: the output classes plus ``bos``."""
        return self.n_pitches + 1

    @property
    def n_durations(self) -> int:
        return len(self.durations)

    @property
    def duration_bos_id(self) -> int:
        """The duration input that goes with ``bos`` (there is no previous event yet)."""
        return self.n_durations

    @property
    def n_duration_inputs(self) -> int:
        return self.n_durations + 1

    @property
    def n_instruments(self) -> int:
        return self.drums + 1

    @property
    def n_styles(self) -> int:
        return max(len(self.styles), 1)

    def inputs(self) -> tuple[tuple[str, str, int], ...]:
        """The model inputs of this encoding version: (name, dtype, values per event)."""
        return INPUTS_V1 if self.version == 1 else INPUTS_V2

    def style_id(self, name: str) -> int:
        """The id of a style by name (0, "any", for anything this vocabulary lacks)."""
        return self.styles.index(name) if name in self.styles else 0

    # single tokens -------------------------------------------------------------------------
    def in_range(self, pitch: int) -> bool:
        return self.pitch_min <= pitch <= self.pitch_max

    def pitch_id(self, pitch: int | None) -> int:
        if pitch is None:
            return self.rest_id
        if not self.in_range(pitch):
            raise EncodingError(
                f"pitch {pitch} is outside the vocabulary ({self.pitch_min}..{self.pitch_max})"
            )
        return pitch - self.pitch_min + 1

    def pitch_of(self, pitch_id: int) -> int | None:
        """The MIDI note of an output pitch id (None for the rest)."""
        if not 0 <= pitch_id < self.n_pitches:
            raise EncodingError(
                f"pitch id {pitch_id} is not an output id (0..{self.n_pitches - 1})"
            )
        return None if pitch_id == self.rest_id else pitch_id - 1 + self.pitch_min

    def duration_id(self, ticks: int) -> int:
        try:
            return self._duration_ids[ticks]
        except KeyError as err:
            raise EncodingError(f"duration {ticks} ticks is not in the vocabulary") from err

    def duration_of(self, duration_id: int) -> int:
        if not 0 <= duration_id < self.n_durations:
            raise EncodingError(f"duration id {duration_id} is not in 0..{self.n_durations - 1}")
        return self.durations[duration_id]

    # melodies ------------------------------------------------------------------------------
    def encode(self, events: Sequence[NoteEvent]) -> EncodedMelody:
        return EncodedMelody(
            pitch=np.array([self.pitch_id(e.pitch) for e in events], dtype=np.int16),
            duration=np.array([self.duration_id(e.duration) for e in events], dtype=np.int8),
            harmony=np.array([e.harmony for e in events], dtype=np.uint16),
            instrument=np.array([e.instrument for e in events], dtype=np.int8),
        )

    def decode(self, melody: EncodedMelody) -> list[NoteEvent]:
        return [
            NoteEvent(self.pitch_of(int(p)), self.duration_of(int(d)), int(h), int(i))
            for p, d, h, i in zip(melody.pitch, melody.duration, melody.harmony,
                                  melody.instrument, strict=True)
        ]

    # description ---------------------------------------------------------------------------
    def describe(self) -> dict:
        """Everything a model user needs to turn ids back into music, as plain JSON types."""
        data = {k: v for k, v in asdict(self).items() if not k.startswith("_")}
        data["durations"] = list(self.durations)
        data["duration_names"] = [DURATION_NAMES.get(d, str(d)) for d in self.durations]
        data["instrument_families"] = list(self.instrument_families)
        data["styles"] = list(self.styles)
        data["rest_id"] = self.rest_id
        data["bos_id"] = self.bos_id
        data["duration_bos_id"] = self.duration_bos_id
        data["n_pitches"] = self.n_pitches
        return data

    def to_json(self) -> str:
        return json.dumps(self.describe(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Vocabulary:
        try:
            data = json.loads(text)
            version = int(data["version"])
        except (ValueError, TypeError, KeyError) as err:
            raise VocabularyError(f"not a vocabulary description ({err})") from err
        if version not in SUPPORTED_VERSIONS:
            raise VocabularyError(
                f"encoding version {version} is not supported by this program (it reads "
                f"version {', '.join(map(str, SUPPORTED_VERSIONS))}); update musicai or use a "
                f"model exported for this version"
            )
        try:
            return cls(
                version=version,
                ticks_per_quarter=int(data["ticks_per_quarter"]),
                pitch_min=int(data["pitch_min"]),
                pitch_max=int(data["pitch_max"]),
                durations=tuple(int(d) for d in data["durations"]),
                harmony_bits=int(data["harmony_bits"]),
                instrument_families=tuple(data["instrument_families"]),
                drums=int(data["drums"]),
                styles=tuple(data.get("styles", ())) if version >= 2 else (),
            )
        except (ValueError, TypeError, KeyError) as err:
            raise VocabularyError(f"vocabulary description is incomplete ({err})") from err


def harmony_features(masks: np.ndarray) -> np.ndarray:
    """Expand 12-bit masks into 0/1 float features, shape (..., 12), for the models."""
    bits = (np.asarray(masks, dtype=np.uint16)[..., None] >> np.arange(12, dtype=np.uint16)) & 1
    return bits.astype(np.float32)
