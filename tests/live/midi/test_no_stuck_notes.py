"""No stuck notes, ever: every way a run can end leaves nothing sounding at the receiver.

Signals and a vanished port are tested on the real program through JACK; an engine error and
an engine that will not stop are tested in-process on ``perform`` with a recording output.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from musicai.live import perform as perform_module
from musicai.live.engine.clock import WallClock
from musicai.live.engine.loop import Engine, EngineSettings
from musicai.live.inference.predictor import TheoryOnlyPredictor
from musicai.live.midi.recording import RecordingOutput
from musicai.live.perform import perform
from musicai.live.sampler.engine_sampler import EngineSampler
from musicai.live.sampler.theory_sampler import TheorySampler

if TYPE_CHECKING:
    from conftest import MidiReceiver

    ReceiverFactory = Callable[[str], MidiReceiver]

CC_ALL_NOTES_OFF, CC_ALL_SOUND_OFF = bytes([0xB0, 123, 0]), bytes([0xB0, 120, 0])


def spawn(*args: str, backend: str = "jack") -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "musicai.live.cli", "--backend", backend,
                             "--model", "none", "--seed", "2", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_until(condition: Callable[[], bool], proc: subprocess.Popen[str],
               timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            pytest.fail(f"musicai-live ended early: {proc.communicate()[1]}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"timed out; stderr: {proc.communicate()[1]}")
        time.sleep(0.002)


def sounding_after(messages: list[bytes]) -> set[int]:
    """Notes still on at the receiver (channel 1) after these messages; CC 123 ends all."""
    on: set[int] = set()
    for m in messages:
        if m[0] == 0x90 and m[2] > 0:
            on.add(m[1])
        elif m[0] in (0x80, 0x90):
            on.discard(m[1])
        elif m == CC_ALL_NOTES_OFF:
            on.clear()
    return on


def sounding_now(receiver: MidiReceiver) -> bool:
    messages = receiver.messages
    return len(messages) >= 3 and bool(sounding_after(messages))


@pytest.mark.jack
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP],
                         ids=["SIGTERM", "SIGINT", "SIGHUP"])
def test_a_signal_mid_note_leaves_nothing_sounding(
    midi_receiver: ReceiverFactory, signum: signal.Signals
) -> None:
    receiver = midi_receiver(f"sig{signum}-rx")
    proc = spawn("--port", receiver.port_name, "--bpm", "200")
    wait_until(lambda: sounding_now(receiver), proc)
    held = sounding_after(receiver.messages)
    sent_at = time.monotonic()
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=20)
    assert time.monotonic() - sent_at < 5
    assert proc.returncode == 0, err
    assert f"stopped on {signal.Signals(signum).name}" in err and "Traceback" not in err
    messages = receiver.wait_for(1)  # all that came; the port closed after the panic
    messages = [m for _, m in receiver.events]
    assert messages[-2:] == [CC_ALL_NOTES_OFF, CC_ALL_SOUND_OFF]
    assert sounding_after(messages[:-2]) == set()  # explicit note-offs, even before CC 123
    assert all(bytes([0x80, pitch, 0]) in messages for pitch in held)
    assert len([line for line in out.splitlines() if line.strip()]) == len(
        [m for m in messages if m[0] == 0x90 and m[2] > 0])


STOPS = {"SIGINT": [signal.SIGINT], "SIGTERM": [signal.SIGTERM], "SIGHUP": [signal.SIGHUP],
         "Ctrl-C twice": [signal.SIGINT, signal.SIGINT]}


@pytest.mark.jack
@pytest.mark.parametrize("backend", ["jack", "jack-rtmidi"])
@pytest.mark.parametrize("stop", list(STOPS))
def test_a_stop_at_a_random_moment_on_either_backend_releases_everything(
    midi_receiver: ReceiverFactory, backend: str, stop: str
) -> None:
    """Any moment (drawn, and printed on failure), either JACK backend, one stop signal or a
    second Ctrl-C 5 ms after the first (which forces the quick exit): the process ends within
    2 s and the receiver hears every note-off and CC 123."""
    import random

    moment = random.Random(f"{backend}{stop}").uniform(0.0, 1.5)
    receiver = midi_receiver("stop-rx")
    proc = spawn("--port", receiver.port_name, "--bpm", "240", backend=backend)
    wait_until(lambda: len(receiver.messages) >= 1, proc)
    time.sleep(moment)
    sent_at = time.monotonic()
    for i, signum in enumerate(STOPS[stop]):
        if i:
            time.sleep(0.005)
        proc.send_signal(signum)
    _, err = proc.communicate(timeout=20)
    took = time.monotonic() - sent_at
    assert took < 2.0, f"{took:.2f} s after the stop (moment {moment:.2f} s)"
    assert proc.returncode in (0, 130), err
    assert "Traceback" not in err
    time.sleep(0.1)  # the last period's messages
    messages = receiver.messages
    assert CC_ALL_NOTES_OFF in messages, (moment, [m.hex() for m in messages[-6:]])
    last_cc = len(messages) - 1 - messages[::-1].index(CC_ALL_NOTES_OFF)
    assert sounding_after(messages[:last_cc]) == set(), moment  # note-offs before CC 123
    assert not [m for m in messages[last_cc:] if m[0] == 0x90 and m[2] > 0], moment


@pytest.mark.jack
def test_a_signal_while_the_engine_sleeps_through_a_long_note(
    midi_receiver: ReceiverFactory,
) -> None:
    """At 20 bpm even a 32nd note sounds 0.35 s: right after a note-on the engine sleeps at
    least that long, so a stop that arrives sooner than that did not wait for it."""
    receiver = midi_receiver("sleep-rx")
    proc = spawn("--port", receiver.port_name, "--bpm", "20")
    wait_until(lambda: len(receiver.messages) >= 1, proc)
    wait_until(lambda: receiver.messages[-1][0] == 0x80, proc, timeout=30)
    wait_until(lambda: receiver.messages[-1][0] == 0x90, proc, timeout=30)  # a new note-on
    sent_at = time.perf_counter()  # the receiver stamps arrivals on the same clock
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=20)
    messages = receiver.messages
    assert messages[-2:] == [CC_ALL_NOTES_OFF, CC_ALL_SOUND_OFF]
    assert receiver.events[-2][0] - sent_at < 0.3  # measured ~0.05 s
    assert sounding_after(messages[:-2]) == set()


@pytest.mark.jack
def test_a_vanished_port_stops_the_run_with_one_line() -> None:
    import rtmidi

    client = f"musicai-loss-rx-{os.getpid()}"
    receiver = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, name=client)
    receiver.open_virtual_port("in")
    got: list[list[int]] = []
    receiver.set_callback(lambda event, _data=None: got.append(event[0]))
    proc = spawn("--port", f"{client}:in", "--bpm", "300")
    try:
        wait_until(lambda: len(got) >= 3, proc)
    finally:
        receiver.cancel_callback()  # before closing: a callback would need the GIL mid-close
        receiver.close_port()
        receiver.delete()
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 1
    lines = err.strip().splitlines()
    assert "lost" in lines[-1] and f"{client}:in" in lines[-1] and "Traceback" not in err


# in-process: the engine thread fails, or will not stop --------------------------------------
class FailingSampler(EngineSampler):
    """Chooses normally, then raises on the fourth note (a bug somewhere in the engine)."""

    def __init__(self) -> None:
        super().__init__(TheorySampler(seed=1))
        self.count = 0

    def choose(self, pitch_logits, duration_logits, onset_tick):
        self.count += 1
        if self.count == 4:
            raise RuntimeError("boom")
        return super().choose(pitch_logits, duration_logits, onset_tick)


def test_an_engine_error_silences_and_reports() -> None:
    out = RecordingOutput()
    engine = Engine(TheoryOnlyPredictor(), FailingSampler(), out, clock=WallClock(),
                    settings=EngineSettings(bpm=400, preroll=0.01, gate=1.0))
    outcome = perform(engine, None, None)
    assert outcome.status == 1 and outcome.problem == "engine stopped: RuntimeError: boom"
    assert out.sounding == frozenset()
    tail = [s.message for s in out.sent if s.time is None]  # the panic traffic
    assert tail[-2:] == [(0xB0, 123, 0), (0xB0, 120, 0)]
    assert any(m[0] == 0x80 for m in tail)  # the note held at the failure was turned off


class StuckPredictor(TheoryOnlyPredictor):
    """Hangs in its second inference (just after the first note-on): a hung model."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self.hung = threading.Event()
        self.release = threading.Event()

    def predict(self, harmony: int, instrument: int = 0, onset: int | None = None):
        self.calls += 1
        if self.calls == 2:
            self.hung.set()
            self.release.wait(10)
        return super().predict(harmony, instrument)


def test_an_engine_that_will_not_stop_is_silenced_from_the_main_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(perform_module, "STOP_GRACE", 0.3)
    out = RecordingOutput()
    predictor = StuckPredictor()
    engine = Engine(predictor, EngineSampler(TheorySampler(seed=1)), out, clock=WallClock(),
                    settings=EngineSettings(bpm=400, preroll=0.01, gate=1.0))

    def terminate_once_hung() -> None:
        if predictor.hung.wait(10):
            os.kill(os.getpid(), signal.SIGTERM)

    killer = threading.Thread(target=terminate_once_hung)
    killer.start()
    try:
        outcome = perform(engine, None, None)
    finally:
        predictor.release.set()
        killer.join()
    assert outcome.status == 1 and "did not stop in time" in outcome.problem
    assert outcome.signal == "SIGTERM"
    assert out.sounding == frozenset() and out.closed
    assert [s.message for s in out.sent][:4] == [  # the first note, then silenced from main
        out.sent[0].message, (0x80, out.sent[0].message[1], 0), (0xB0, 123, 0), (0xB0, 120, 0)]
