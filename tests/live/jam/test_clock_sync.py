"""MIDI clock in and out on a manual clock: the pulse fit, the transport, phase lock, and the
engine following Start/Stop/Continue/Song Position or sending 24 PPQN itself."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from jam_fakes import jam_engine
from musicai.live.engine.loop import Engine, EngineSettings
from musicai.live.engine.tempo import TempoMap
from musicai.live.inference.predictor import TheoryOnlyPredictor
from musicai.live.jam.clock_follow import ClockFollower
from musicai.live.jam.controller import JamSetup
from musicai.live.jam.transport import ARMED, STOPPED, Transport
from musicai.live.midi.messages import CLOCK, CONTINUE, START, STOP
from scripted_sampler import ScriptedSampler


def pulses(bpm: float, count: int, start: float = 1.0, jitter: float = 0.0013,
           seed: int = 0, first_seq: int = 1) -> list[tuple[int, float]]:
    """Pulse stamps as a JACK input sees them: up to a period late, now and then much later."""
    rng = np.random.default_rng(seed)
    step = 60.0 / (24 * bpm)
    out = []
    for i in range(count):
        late = rng.uniform(0, jitter) + (0.012 if i % 41 == 40 else 0.0)
        out.append((first_seq + i, start + i * step + late))
    return out


@pytest.mark.parametrize("bpm", [100.0, 128.0, 140.0])
def test_the_fit_finds_the_tempo_through_jitter_and_late_stamps(bpm: float) -> None:
    follower = ClockFollower()
    for seq, when in pulses(bpm, 200, seed=int(bpm)):
        follower.add(seq, when)
    assert follower.bpm == pytest.approx(bpm, rel=0.0005)
    assert follower.rejected >= 1  # the 12 ms late stamp was left out


def test_the_fit_follows_a_tempo_change_within_two_beats() -> None:
    follower = ClockFollower()
    first = pulses(120.0, 96)
    for seq, when in first:
        follower.add(seq, when)
    for seq, when in pulses(90.0, 48, start=first[-1][1] + 60 / (24 * 90), first_seq=97):
        follower.add(seq, when)
    assert follower.bpm == pytest.approx(90.0, rel=0.002)


def test_a_flood_of_pulses_is_not_a_tempo() -> None:
    follower = ClockFollower()
    for seq, when in pulses(120.0, 48, jitter=0.0):
        follower.add(seq, when)
    for i in range(200):  # 2,000 pulses a second
        follower.add(49 + i, 3.0 + i * 0.0005)
    assert follower.bpm == pytest.approx(120.0, rel=0.001)


def test_transport_start_stop_continue_and_song_position() -> None:
    t = Transport()
    t.pulses(pulses(120.0, 30, jitter=0.0))  # clock while stopped: measured, not counted
    assert not t.running and t.follower.bpm == pytest.approx(120.0)
    t.message(START, 0, 30)
    assert t.state == ARMED and t.relocation() is None
    t.pulses([(31, 2.0), (32, 2.0 + 1 / 48)])
    assert t.running and t.relocation() == (0, 2.0)
    t.pulses([(seq, 2.0 + (seq - 31) / 48) for seq in range(33, 31 + 48)])  # to beat 2
    t.message(STOP, 0, 78)
    assert t.state == STOPPED and t.silence and t.next_pos == 48
    t.message(CONTINUE, 0, 90)
    t.pulses([(91, 4.0)])
    assert t.relocation() == (48 * 20, 4.0)  # resumes on beat 3 (pulse 48)
    t.message(STOP, 0, 91)
    t.message(0xF2, 16, 91)  # song position: 16 sixteenths = bar 2
    t.message(CONTINUE, 0, 91)
    t.pulses([(92, 5.0)])
    assert t.relocation() == (16 * 6 * 20, 5.0)


def test_lock_closes_the_phase_error_and_never_goes_back() -> None:
    t = Transport()
    t.message(START, 0, 0)
    stamps = pulses(100.0, 400, start=0.0, jitter=0.0)
    tempo = TempoMap(120.0)
    tempo.start(0.0, 0)
    positions = []
    for i in range(0, 390, 6):  # lock as the engine would: every so often
        t.pulses(stamps[i:i + 6])
        now = stamps[i + 5][1] + 0.001
        before = tempo.tick_at(now)
        t.lock(tempo, now)
        after = tempo.tick_at(now)
        assert after == pytest.approx(before)  # re-anchored where it was: no jump
        positions.append(after)
    assert all(b >= a for a, b in itertools.pairwise(positions))
    now = stamps[-1][1]
    assert tempo.tick_at(now) == pytest.approx(t.master_tick(now), abs=2.0)
    assert tempo.bpm == pytest.approx(100.0, rel=0.01)


def test_lock_jumps_forward_after_a_stall() -> None:
    t = Transport()
    t.message(START, 0, 0)
    t.pulses(pulses(120.0, 200, start=0.0, jitter=0.0))
    tempo = TempoMap(120.0)
    tempo.start(0.0, -2000)  # far behind the master
    now = 200 / 48
    t.lock(tempo, now)
    assert tempo.tick_at(now) == pytest.approx(t.master_tick(now))


def clock_script(bpm: float, seconds: float, start_at: float, stop_at: float | None = None,
                 continue_at: float | None = None) -> list:
    step = 60.0 / (24 * bpm)
    script = [(i * step, (CLOCK,)) for i in range(int(seconds / step))]
    script.append((start_at - 0.0001, (START,)))
    if stop_at is not None:
        script.append((stop_at, (STOP,)))
    if continue_at is not None:
        script.append((continue_at - 0.0001, (CONTINUE,)))
    return script


def test_the_engine_waits_for_start_then_plays_on_the_masters_grid() -> None:
    bpm, start = 100.0, 2.0 + 3 * 60 / (24 * 100)  # Start lands on a pulse
    engine, out, _, _ = jam_engine(clock_script(bpm, 12.0, start), JamSetup(sync=True), bars=4)
    played: list = []
    engine.listeners.append(played.append)
    engine.run()
    ons = out.notes()
    assert ons and ons[0][0] >= start - 1e-9  # nothing before Start
    beat = 60.0 / bpm
    for note in played:
        if note.pitch is not None and note.onset >= 960:  # after the first half note
            at = next(t for t, _, p, _ in ons if p == note.pitch and t >= start + note.onset
                      / 480 * beat - 0.05)
            assert at == pytest.approx(start + note.onset / 480 * beat, abs=0.002)
    assert engine.snapshot.jam["clock_bpm"] == pytest.approx(100.0, rel=0.001)


def test_stop_silences_and_pauses_continue_resumes() -> None:
    bpm = 120.0
    script = clock_script(bpm, 14.0, start_at=1.0, stop_at=3.02, continue_at=6.0)
    engine, out, _, _ = jam_engine(script, JamSetup(sync=True), bars=6)
    engine.run()
    times = [t for t, _, _, _ in out.notes()]
    assert not [t for t in times if 3.03 < t < 6.0]  # silent while stopped
    assert [t for t in times if t > 6.0], "Continue did not resume"
    panic = [s for s in out.sent if s.message == (0xB0, 123, 0)]
    assert panic and out.sounding == frozenset()
    # stopped after pulse 96 (beat 4): resumes from pulse 97, so from the next 16th (2040)
    first = min(t for t in times if t > 5.9)
    assert first == pytest.approx(6.0 + (2040 - 97 * 20) / 960)
    assert 2040 in [n.onset for n in engine.snapshot.recent]


def test_clock_out_pulses_every_20_ticks_with_start_and_stop() -> None:
    from musicai.live.engine.clock import ManualClock
    from musicai.live.midi.recording import RecordingOutput

    clock = ManualClock()
    out = RecordingOutput(clock=clock)
    engine = Engine(TheoryOnlyPredictor(), ScriptedSampler([(60, 480), (62, 240)]), out,
                    clock=clock, settings=EngineSettings(bpm=125.0, bars=2, preroll=0.1,
                                                         clock_out=True))
    engine.run()
    messages = [s.message for s in out.sent]
    assert messages[0] == (START,) and (STOP,) in messages[-3:]
    times = [s.time for s in out.sent if s.message == (CLOCK,)]
    step = 60.0 / (24 * 125.0)
    assert len(times) >= 2 * 4 * 24 + 1  # to the end of the last bar, or its last note-off
    assert np.allclose(np.diff(times), step)
    assert times[0] == pytest.approx(0.1)
    ons = [t for t, _, _, _ in out.notes()]
    assert all(min(abs(t - p) for p in times) < 1e-9 for t in ons)  # notes on the pulse grid
    order = [s.message[0] for s in out.sent if s.time == pytest.approx(ons[1])]
    assert order[0] == CLOCK  # the pulse goes out before the note it shares a tick with
