"""``musicai-live`` as a user runs it: a subprocess, real JACK ports, real files.

The end-to-end test counts what a real JACK receiver hears against what the program printed;
the error tests hold every bad value to one line on stderr, exit status 2, no traceback.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import mido
import pytest
from musicai.live.session import DEFAULT_MODEL
from musicai.live.theory.keys import Key
from musicai.live.theory.notes import midi_name

if TYPE_CHECKING:
    from conftest import MidiReceiver

    ReceiverFactory = Callable[[str], MidiReceiver]

LINE = re.compile(
    r"^\s*(\d+\.\d{3})s\s+(\d+):(\d+(?:\.\d+)?)\s+([A-G][#b]?-?\d+)\s+v(\d+)\s+(\S+)$")
NO_SERVER = {"JACK_DEFAULT_SERVER": "musicai-no-such-server", "JACK_NO_START_SERVER": "1",
             "MUSICAI_MIDI_BACKEND": ""}


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "musicai.live.cli", *args]


def live(*args: str, env: dict[str, str] | None = None,
         timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(*args), capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, **(env or {})))


def spawn(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ, **(env or {})))


def printed(stdout: str) -> list[tuple[int, float, str, int, str]]:
    """(bar, beat, note name, velocity, chord) of every printed note line; all must parse."""
    out = []
    for line in stdout.splitlines():
        match = LINE.match(line)
        assert match, f"not a note line: {line!r}"
        _, bar, beat, name, velocity, chord = match.groups()
        out.append((int(bar), float(beat), name, int(velocity), chord))
    return out


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("musicai-live: "), done.stderr
    return lines[0]


def note_ons(messages: Sequence[bytes]) -> list[bytes]:
    return [m for m in messages if m[0] & 0xF0 == 0x90 and m[2] > 0]


def assert_every_note_released(messages: Sequence[bytes]) -> None:
    """Every note-on is followed by its note-off; CC 123 and CC 120 close the run."""
    sounding: set[tuple[int, int]] = set()
    for m in messages:
        kind, channel = m[0] & 0xF0, m[0] & 0x0F
        if kind == 0x90 and m[2] > 0:
            assert (channel, m[1]) not in sounding, f"note {m[1]} started twice"
            sounding.add((channel, m[1]))
        elif kind in (0x80, 0x90):
            assert (channel, m[1]) in sounding, f"note-off {m[1]} for a silent note"
            sounding.discard((channel, m[1]))
    assert not sounding, f"stuck notes: {sorted(sounding)}"
    assert list(messages[-2:]) == [bytes([0xB0, 123, 0]), bytes([0xB0, 120, 0])]


@pytest.mark.jack
def test_performance_through_jack_is_heard_note_for_note(midi_receiver: ReceiverFactory) -> None:
    receiver = midi_receiver("e2e-rx")
    done = live("--backend", "jack", "--port", receiver.port_name, "--headless", "--bars", "4",
                "--seed", "1", "--model", "none", "--key", "D minor")
    assert done.returncode == 0, done.stderr
    lines = printed(done.stdout)
    heard = receiver.wait_for(2 * len(lines) + 2)
    messages = [m for _, m in heard]

    ons = note_ons(messages)
    assert len(ons) == len(lines) >= 4
    d_minor = Key.parse("D minor")
    assert [midi_name(m[1], bool(d_minor.flats)) for m in ons] == [n for _, _, n, _, _ in lines]
    assert [m[2] for m in ons] == [v for _, _, _, v, _ in lines]
    assert all(d_minor.contains(m[1]) for m in ons)
    assert_every_note_released(messages)
    assert max(bar for bar, *_ in lines) == 4
    assert "Traceback" not in done.stderr


@pytest.mark.jack
def test_same_seed_same_performance(midi_receiver: ReceiverFactory) -> None:
    receiver = midi_receiver("seed-rx")
    args = ("--port", receiver.port_name, "--bars", "2", "--bpm", "300", "--seed", "9",
            "--model", "none")
    first, second = live(*args), live(*args)
    assert first.returncode == second.returncode == 0
    strip = [line.split("s", 1)[1] for line in first.stdout.splitlines()]
    assert strip == [line.split("s", 1)[1] for line in second.stdout.splitlines()]


@pytest.mark.parametrize(("args", "says"), [
    (("--key", "H minor"), 'unknown key "H minor"'),
    (("--bpm", "0"), "bpm 0 is out of range"),
    (("--channel", "17"), "17 is not a MIDI channel; use 1..16"),
    (("--channel", "0"), "0 is not a MIDI channel"),
    (("--progression", "I-XII"), 'unknown chord "XII"'),
    (("--temperature", "0"), "must be above 0"),
    (("--direction", "sideways"), "invalid choice"),
    (("--backend", "oss"), "invalid choice"),
    (("--bars", "-1"), "must be above 0"),
    (("--model", "missing.onnx"), "missing.onnx: no such file"),
    (("--record", "no/such/folder/take.mid"), "folder 'no/such/folder' does not exist"),
    (("--backend", "jack"), "JACK: cannot connect"),  # asked for by name: no quiet fallback
    (("--list-ports",), "no MIDI system found"),
])
def test_bad_values_are_one_line_and_exit_2(args: tuple[str, ...], says: str) -> None:
    line = one_line_error(live(*args, "--bars", "1", env=NO_SERVER))
    assert says in line


def test_a_model_file_that_is_not_ours_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "fake.onnx"
    fake.write_bytes(b"this is not an ONNX model")
    line = one_line_error(live("--model", str(fake), "--bars", "1", env=NO_SERVER))
    assert str(fake) in line


def test_bad_backend_in_the_environment(tmp_path: Path) -> None:
    line = one_line_error(live("--bars", "1", env=dict(NO_SERVER, MUSICAI_MIDI_BACKEND="oss")))
    assert "$MUSICAI_MIDI_BACKEND 'oss' is not a MIDI backend" in line


def test_without_a_midi_system_it_still_plays_to_the_screen() -> None:
    done = live("--bars", "1", "--seed", "4", "--model", "none", env=NO_SERVER)
    assert done.returncode == 0, done.stderr
    assert printed(done.stdout)
    assert "no MIDI system found" in done.stderr and "Traceback" not in done.stderr
    assert "JACK" in done.stderr and "--record" in done.stderr  # the ways out


def test_an_explicit_port_without_a_midi_system_is_an_error() -> None:
    line = one_line_error(live("--port", "IAC Bus 1", "--bars", "1", env=NO_SERVER))
    assert "'IAC Bus 1'" in line and "JACK" in line


def test_without_the_default_model_it_plays_theory_only(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from musicai.live import session

    missing = tmp_path / "default.onnx"
    monkeypatch.setattr(session, "DEFAULT_MODEL", missing)
    predictor, note = session.choose_predictor(None)
    assert predictor.name == "theory-only"
    assert note is not None and f"no model at {missing}; playing theory only" in note


def test_the_shipped_model_plays_by_default() -> None:
    from musicai.live import session
    from musicai.live.inference.onnx_predictors import StepPredictor

    assert DEFAULT_MODEL.is_file(), "models/default.onnx must ship"
    predictor, note = session.choose_predictor(None)
    assert isinstance(predictor, StepPredictor) and note is None


@pytest.mark.jack
def test_ambiguous_port_lists_the_candidates(midi_receiver: ReceiverFactory) -> None:
    one, two = midi_receiver("cli-amb-rx"), midi_receiver("cli-amb-rx")
    line = one_line_error(live("--backend", "jack", "--port", "cli-amb-rx", "--bars", "1"))
    assert one.port_name in line and two.port_name in line


@pytest.mark.jack
def test_missing_port_becomes_a_virtual_port(
    midi_receiver: ReceiverFactory, jack_connect: Callable[[str, str], None]
) -> None:
    receiver = midi_receiver("cli-virtual-rx")
    name = f"musicai-virtual-{os.getpid()}"
    proc = spawn("--backend", "jack", "--port", name, "--bpm", "300", "--model", "none")
    try:
        deadline = time.monotonic() + 20
        while f"MusicAI:{name}" not in subprocess.run(
                ["jack_lsp"], capture_output=True, text=True, check=True).stdout:
            assert time.monotonic() < deadline and proc.poll() is None, proc.stderr
            time.sleep(0.05)
        jack_connect(f"MusicAI:{name}", receiver.port_name)
        receiver.wait_for(2, timeout=10)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
    assert proc.returncode == 0


def test_take_file_matches_the_printed_notes(tmp_path: Path) -> None:
    path = tmp_path / "take.mid"
    done = live("--bars", "2", "--bpm", "240", "--seed", "5", "--model", "none", "--key",
                "E minor", "--channel", "3", "--record", str(path), env=NO_SERVER)
    assert done.returncode == 0, done.stderr
    file = mido.MidiFile(path)
    messages = list(mido.merge_tracks(file.tracks))
    texts = [m.text for m in messages if m.type == "text"]
    assert any("seed=5" in t and "model=theory-only" in t for t in texts)
    assert [m.key for m in messages if m.type == "key_signature"] == ["Em"]
    assert [round(mido.tempo2bpm(m.tempo)) for m in messages if m.type == "set_tempo"] == [240]
    assert take_notes(file) == [(bar, beat, name) for bar, beat, name, _, _ in
                                printed(done.stdout)]
    assert {m.channel for m in messages if m.type == "note_on"} == {2}
    assert f"take written to {path}" in done.stderr


def take_notes(file: mido.MidiFile) -> list[tuple[int, float, str]]:
    """(bar, beat, name) of each note-on in the take, as the headless lines write them."""
    out, tick = [], 0
    for m in mido.merge_tracks(file.tracks):
        tick += m.time
        if m.type == "note_on" and m.velocity > 0:
            bar, within = divmod(tick, 1920)
            out.append((bar + 1, float(f"{within / 480 + 1:.3g}"), midi_name(m.note)))
    return out


def test_a_killed_take_keeps_what_was_flushed(tmp_path: Path) -> None:
    path = tmp_path / "take.mid"
    proc = spawn("--bpm", "400", "--seed", "6", "--model", "none", "--record", str(path),
                 env=NO_SERVER)
    deadline = time.monotonic() + 30
    while not (path.exists() and len(take_notes(mido.MidiFile(path))) >= 4):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    proc.kill()
    out, _ = proc.communicate(timeout=20)
    kept = take_notes(mido.MidiFile(path))  # a valid file under the final name
    lines = [(bar, beat, name) for bar, beat, name, _, _ in printed(out)]
    assert len(kept) >= 4 and kept == lines[:len(kept)]
