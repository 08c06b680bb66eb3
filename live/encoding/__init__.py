"""Note events, the time grid, token ids and MIDI files: shared by training and the live engine."""

from musicai.live.encoding.events import (
    DRUMS,
    INSTRUMENT_FAMILIES,
    NoteEvent,
    pitch_class_mask,
    transpose,
)
from musicai.live.encoding.grid import DURATIONS, QUANTUM, TICKS_PER_QUARTER
from musicai.live.encoding.vocab import (
    ENCODING_VERSION,
    EncodedMelody,
    Vocabulary,
    harmony_features,
)

__all__ = [
    "DRUMS",
    "DURATIONS",
    "ENCODING_VERSION",
    "INSTRUMENT_FAMILIES",
    "QUANTUM",
    "TICKS_PER_QUARTER",
    "EncodedMelody",
    "NoteEvent",
    "Vocabulary",
    "harmony_features",
    "pitch_class_mask",
    "transpose",
]
