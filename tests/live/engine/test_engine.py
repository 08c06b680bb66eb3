"""The engine on a manual clock with a recording output: whole event lists, no sleeps."""

from __future__ import annotations

import numpy as np
import pytest
from musicai.live.encoding import NoteEvent, Vocabulary
from musicai.live.engine.clock import ManualClock
from musicai.live.engine.commands import Action, Change
from musicai.live.engine.loop import Engine, EngineSettings
from musicai.live.inference.predictor import TheoryOnlyPredictor
from musicai.live.midi.recording import RecordingOutput
from scripted_sampler import ScriptedSampler

BPM = 120.0
QUARTER = 0.5  # seconds at 120 bpm


def make_engine(script, *, bars=1, predictor=None, **settings):
    clock = ManualClock()
    out = RecordingOutput(clock=clock)
    settings.setdefault("preroll", 0.0)
    engine = Engine(predictor or TheoryOnlyPredictor(), ScriptedSampler(script), out,
                    clock=clock, settings=EngineSettings(bpm=BPM, bars=bars, **settings))
    return engine, out, clock


def timeline(out: RecordingOutput) -> list[tuple[float, tuple[int, ...]]]:
    return [(round(s.time, 6), s.message) for s in out.sent if s.time is not None]


def test_quarter_notes_with_gated_note_offs() -> None:
    engine, out, _ = make_engine([(60, 480), (62, 480), (64, 480), (65, 480)], gate=0.5)
    engine.run()
    assert timeline(out) == [
        (0.0, (0x90, 60, 100)), (0.25, (0x80, 60, 0)),
        (0.5, (0x90, 62, 100)), (0.75, (0x80, 62, 0)),
        (1.0, (0x90, 64, 100)), (1.25, (0x80, 64, 0)),
        (1.5, (0x90, 65, 100)), (1.75, (0x80, 65, 0)),
    ]
    assert out.sounding == frozenset()


def test_rests_send_nothing_and_keep_time() -> None:
    engine, out, _ = make_engine([(60, 480), (None, 480), (67, 960)], gate=0.5)
    engine.run()
    ons = [(t, m[1]) for t, m in timeline(out) if m[0] == 0x90]
    assert ons == [(0.0, 60), (1.0, 67)]


def test_same_pitch_legato_sends_off_before_the_next_on() -> None:
    engine, out, _ = make_engine([(60, 480)], gate=1.0)
    engine.run()
    events = timeline(out)
    assert events[:4] == [(0.0, (0x90, 60, 100)), (0.5, (0x80, 60, 0)),
                          (0.5, (0x90, 60, 100)), (1.0, (0x80, 60, 0))]


def test_tempo_change_keeps_phase() -> None:
    engine, out, _ = make_engine([(60, 480)], bars=2, gate=0.5)
    engine.send(Change("bpm", 240.0))  # lands when the engine first looks, at t=0
    engine.run()
    ons = [t for t, m in timeline(out) if m[0] == 0x90]
    assert ons == pytest.approx([i * 0.25 for i in range(8)])


def test_change_lands_on_the_next_note() -> None:
    engine, out, _ = make_engine([(60, 480)], bars=1, gate=0.5)
    engine.listeners.append(
        lambda note: engine.send(Change("transpose", 5)) if note.onset == 480 else None)
    engine.run()
    pitches = [m[1] for _, m in timeline(out) if m[0] == 0x90]
    assert pitches == [60, 60, 65, 65]


def test_bar_change_waits_for_the_bar_line() -> None:
    engine, out, _ = make_engine([(60, 480)], bars=2, gate=0.5)
    engine.listeners.append(
        lambda note: engine.send(Change("transpose", 7, when="bar")) if note.onset == 480 else None)
    engine.run()
    pitches = [m[1] for _, m in timeline(out) if m[0] == 0x90]
    assert pitches == [60, 60, 60, 60, 67, 67, 67, 67]


def test_bad_setting_is_reported_not_raised() -> None:
    engine, out, _ = make_engine([(60, 480)], bars=1)
    engine.send(Change("nonsense", 1))
    engine.run()
    assert "nonsense" in engine.snapshot.message
    assert len(out.notes()) == 4


def test_stop_silences_everything() -> None:
    engine, out, _ = make_engine([(60, 1920)], bars=None, gate=1.0)
    engine.listeners.append(lambda note: engine.stop())
    engine.run()
    assert out.sounding == frozenset()
    assert (0x80, 60, 0) in [s.message for s in out.sent]
    assert (0xB0, 123, 0) in [s.message for s in out.sent]  # all notes off after stop


class SlowPredictor(TheoryOnlyPredictor):
    name = "slow"

    def __init__(self, clock: ManualClock, seconds: float) -> None:
        super().__init__(Vocabulary())
        self.clock, self.seconds = clock, seconds
        self.calls = 0

    def predict(self, harmony: int, instrument: int = 0, onset: int | None = None):
        self.calls += 1
        self.clock.advance(self.seconds)
        return super().predict(harmony, instrument)


def test_deadline_guard_falls_back_to_theory_and_counts() -> None:
    clock = ManualClock()
    out = RecordingOutput(clock=clock)
    predictor = SlowPredictor(clock, 0.6)  # slower than a quarter note at 120 bpm
    engine = Engine(predictor, ScriptedSampler([(60, 480)]), out, clock=clock,
                    settings=EngineSettings(bpm=BPM, bars=1, preroll=1.0))
    engine.run()
    assert engine.fallbacks == 3  # every note after the first missed its deadline
    assert engine.snapshot.fallbacks == 3


class LosingPort(RecordingOutput):
    def _send(self, message, when):
        if len(self.sent) >= 3:
            raise OSError("device unplugged")
        super()._send(message, when)


def test_lost_port_stops_the_engine_with_a_message() -> None:
    clock = ManualClock()
    out = LosingPort(clock=clock)
    engine = Engine(TheoryOnlyPredictor(), ScriptedSampler([(60, 480)]), out, clock=clock,
                    settings=EngineSettings(bpm=BPM, bars=4, preroll=0.0))
    engine.run()
    assert "lost" in engine.snapshot.message
    assert engine.snapshot.port_ok is False


def test_panic_action_clears_sounding_notes() -> None:
    engine, out, _ = make_engine([(60, 960)], bars=1, gate=1.0)
    engine.listeners.append(lambda note: engine.send(Action("panic")))
    engine.run()
    assert out.sounding == frozenset()
    assert engine.snapshot.notes_played == 2


def test_committed_events_reach_the_predictor() -> None:
    committed: list[NoteEvent] = []

    class Spy(TheoryOnlyPredictor):
        def commit(self, event: NoteEvent, onset: int | None = None) -> None:
            committed.append(event)

    engine, _, _ = make_engine([(60, 480), (None, 480)], bars=1, predictor=Spy())
    engine.run()
    assert [(e.pitch, e.duration, e.harmony) for e in committed] == [
        (60, 480, 0b1001_0001), (None, 480, 0b1001_0001)] * 2


def test_a_style_change_is_predicted_again_for_the_very_next_note() -> None:
    """The logits of the next note were made before the change; the engine asks again, so
    the note after a style command already hears the new style, and onsets reach the model."""
    asked: list[tuple[str, int | None]] = []
    chosen_with: list[float] = []

    class Styled(TheoryOnlyPredictor):
        styles = ("any", "bach", "essen")
        style = "any"

        def set_style(self, name: str) -> None:
            if name not in self.styles:
                raise ValueError(f"no style {name!r}")
            self.style = name

        def predict(self, harmony: int, instrument: int = 0, onset: int | None = None):
            asked.append((self.style, onset))
            pitch = np.full(self.vocab.n_pitches, float(self.styles.index(self.style)),
                            np.float32)
            return pitch, np.zeros(self.vocab.n_durations, np.float32)

    class Recording(ScriptedSampler):
        def choose(self, pitch_logits, duration_logits, onset_tick):
            chosen_with.append(float(pitch_logits[0]))
            return super().choose(pitch_logits, duration_logits, onset_tick)

    engine, _, _ = make_engine([(60, 480)], bars=1, predictor=Styled())
    engine.sampler = Recording([(60, 480)])
    engine.listeners.append(lambda note: engine.send(Change("style", "bach"))
                            if note.onset == 480 else None)
    engine.run()
    assert chosen_with == [0.0, 0.0, 1.0, 1.0]  # the third note already plays bach
    assert [onset for _, onset in asked][:3] == [0, 480, 960]
    assert ("bach", 960) in asked


class LatentOutput(RecordingOutput):
    """A frame-stamping port's contract: what it is given sounds ``latency`` later."""

    latency = 0.02


def heard(out: RecordingOutput) -> list[tuple[float, tuple[int, ...]]]:
    return [(round(t + out.latency, 6), m) for t, m in timeline(out)]


def test_a_port_with_latency_is_handed_everything_that_much_early() -> None:
    script = [(60, 480), (62, 240), (64, 240), (65, 960)]
    plain, plain_out, _ = make_engine(script, bars=2, gate=0.5, clock_out=True, preroll=0.05)
    plain.run()
    clock = ManualClock()
    out = LatentOutput(clock=clock)
    engine = Engine(TheoryOnlyPredictor(), ScriptedSampler(script), out, clock=clock,
                    settings=EngineSettings(bpm=BPM, bars=2, preroll=0.05, gate=0.5,
                                            clock_out=True))
    engine.run()
    assert engine.ahead == 0.02
    # notes, note-offs and clock pulses all heard where the zero-latency engine sends them,
    # after MIDI Start (sent at once: heard a latency after the start, before the first pulse)
    assert heard(out)[0] == (0.02, (0xFA,)) and heard(out)[1][0] == 0.05
    assert heard(out)[1:] == timeline(plain_out)[1:]
    stamped = [s.time for s in out.sent if s.time is not None]
    sent_at = [t for s, t in zip(out.sent, out.actual, strict=True) if s.time is not None]
    assert sent_at == pytest.approx(stamped)  # handed over at the time it carries
    assert engine.late_notes == 0 and engine.jitter.maximum() == 0.0


class SteeredSampler(ScriptedSampler):
    """Sends a command from inside the choice of the note at ``at``: it arrives after that
    note is settled and before it sounds."""

    def __init__(self, script, at: int, command) -> None:
        super().__init__(script)
        self.at, self.command, self.engine = at, command, None

    def choose(self, pitch_logits, duration_logits, onset_tick):
        choice = super().choose(pitch_logits, duration_logits, onset_tick)
        if onset_tick == self.at:
            self.engine.send(self.command)
        return choice


@pytest.mark.parametrize("output", [RecordingOutput, LatentOutput])
def test_a_bar_change_after_the_downbeat_is_chosen_waits_for_the_next_bar_line(output) -> None:
    """Chosen ahead of the bar line, the downbeat is settled: a change then is the next bar's,
    not a jump in the middle of this one."""
    clock = ManualClock()
    out = output(clock=clock)
    sampler = SteeredSampler([(60, 480)], 1920, Change("transpose", 7, when="bar"))
    engine = Engine(TheoryOnlyPredictor(), sampler, out, clock=clock,
                    settings=EngineSettings(bpm=BPM, bars=3, preroll=0.0, gate=0.5))
    sampler.engine = engine
    engine.run()
    pitches = [m[1] for _, m in timeline(out) if m[0] == 0x90]
    assert pitches == [60] * 8 + [67] * 4
