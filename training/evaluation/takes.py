"""One headless take: the live ``Engine`` on a ``ManualClock`` into a ``RecordingOutput``.

This is the code path of ``musicai-live`` (predictor -> sampler -> engine -> port), only
with time that advances when the engine waits, so N bars take as long as the inference and
the same seed gives the same notes. The engine reports every event, rests included, to its
listeners; that list is the take.

``RawSampler`` is the "model alone" source. The theory sampler cannot switch all of its
shaping off through settings (chord tones by beat, cadence targets, the first-note bias,
leap recovery, register walls and the rest rules have no off switch), so raw takes use this
plain softmax sampler instead: the model's own pitch and duration distributions at one
temperature, nothing added. It sits in the engine exactly where the theory sampler does and
feeds the model the same chords (the key's default progression, one chord per bar).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from musicai.live.encoding import Vocabulary
from musicai.live.engine.clock import ManualClock
from musicai.live.engine.loop import Engine, EngineSettings
from musicai.live.engine.protocols import Sampler
from musicai.live.engine.snapshot import PlayedNote
from musicai.live.errors import SamplerError
from musicai.live.inference.predictor import Predictor
from musicai.live.midi.recording import RecordingOutput
from musicai.live.sampler.engine_sampler import EngineSampler
from musicai.live.sampler.settings import SamplerSettings
from musicai.live.sampler.theory_sampler import Choice, TheorySampler
from musicai.training.evaluation.metrics import REST

VELOCITY = 80


@dataclass(frozen=True)
class Take:
    """The events of one take: MIDI pitches (``REST`` for rests) and durations in ticks."""

    pitches: np.ndarray
    durations: np.ndarray
    cadences: np.ndarray | None = None  # the theory sampler's own phrase ends, per event

    @property
    def notes(self) -> int:
        return int((self.pitches != REST).sum())


class RawChoice(NamedTuple):
    pitch: int | None
    duration: int
    velocity: int


class RawSampler:
    """The engine's ``Sampler`` with no music theory: softmax(logits / temperature)."""

    def __init__(self, settings: SamplerSettings, vocab: Vocabulary, seed: int) -> None:
        self.vocab = vocab
        self.temperature = settings.temperature
        self.rng = np.random.default_rng(seed)
        self._chords = TheorySampler(settings, vocab)  # asked for chords only, never advanced

    def harmony_for(self, onset_tick: int) -> int:
        return self._chords.harmony_for(onset_tick)

    def choose(self, pitch_logits: np.ndarray, duration_logits: np.ndarray,
               onset_tick: int) -> RawChoice:
        pitch = self.vocab.pitch_of(softmax_draw(pitch_logits, self.temperature, self.rng))
        duration = self.vocab.duration_of(softmax_draw(duration_logits, self.temperature,
                                                       self.rng))
        return RawChoice(pitch, duration, 0 if pitch is None else VELOCITY)

    def apply(self, setting: str, value: object) -> None:
        raise SamplerError(f"the raw sampler has no setting {setting!r}")

    def describe(self) -> dict:
        return {"phrase_start": True, "temperature": self.temperature}


def softmax_draw(logits: np.ndarray, temperature: float, rng: np.random.Generator) -> int:
    """One index drawn from softmax(logits / temperature)."""
    x = np.asarray(logits, dtype=np.float64).reshape(-1) / temperature
    x = np.exp(x - x.max())
    return int(rng.choice(x.size, p=x / x.sum()))


class MarkingSampler(EngineSampler):
    """The theory sampler as ``musicai-live`` builds it (``live/session.build_sampler``),
    noting which events it meant as cadences, so its own phrase ends can be checked too."""

    def __init__(self, settings: SamplerSettings, vocab: Vocabulary, seed: int) -> None:
        super().__init__(TheorySampler(settings, vocab, seed=seed))
        self.cadences: list[bool] = []

    def choose(self, pitch_logits: np.ndarray, duration_logits: np.ndarray,
               onset_tick: int) -> Choice:
        choice = super().choose(pitch_logits, duration_logits, onset_tick)
        self.cadences.append(choice.why.cadence)
        return choice


def play(predictor: Predictor, sampler: Sampler, bars: int) -> Take:
    """``bars`` bars of 4/4 through the engine, headless; the predictor starts fresh."""
    predictor.reset()
    clock = ManualClock()
    engine = Engine(predictor, sampler, RecordingOutput(clock=clock), clock=clock,
                    settings=EngineSettings(bars=bars))
    events: list[PlayedNote] = []
    engine.listeners.append(events.append)
    engine.run()
    pitches = np.array([REST if e.pitch is None else e.pitch for e in events], dtype=np.int64)
    marks = getattr(sampler, "cadences", None)
    cadences = np.array(marks, dtype=bool) if marks and len(marks) == len(events) else None
    return Take(pitches, np.array([e.duration for e in events], dtype=np.int64), cadences)
