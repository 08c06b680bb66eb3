"""The screen's pure parts: what each panel says, the piano roll, completion, the script
watcher, take names and the flags (no terminal, no engine thread)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from musicai.live.cli import build_parser, options_from
from musicai.live.engine.snapshot import EngineSnapshot, PlayedNote
from musicai.live.errors import MusicAIError
from musicai.live.livecode.language import Context
from musicai.live.livecode.script_watch import ScriptWatcher, context_of
from musicai.live.theory.keys import Key
from musicai.live.tui import view
from musicai.live.tui.complete import candidates, common_prefix
from musicai.live.tui.pianoroll import choose_low, roll, rows
from musicai.live.tui.takes import timestamped

DESCRIBED = {"key": "Bb dorian", "progression": "i-IV-i-v", "chord": "Eb", "chord_index": 1,
             "direction": "down", "temperature": 0.8, "phrase_slot": 5, "phrase_slots": 8}


def test_harmony_names_key_mode_scale_chord_and_where_the_progression_is() -> None:
    text = view.harmony(DESCRIBED).plain
    assert "Key Bb dorian" in text and "Scale Bb C Db Eb F G Ab" in text
    assert "Chord Eb" in text and " i [IV] i  v" in text


def test_phrase_bar_and_performance_line() -> None:
    assert view.phrase_bar(5, 8).plain == "■■■■■■□□ 6/8"
    assert view.phrase_bar(0, 32, width=8).plain == "□□□□□□□□ 1/32"
    snap = EngineSnapshot(bpm=96, muted=True, channel=2, sampler=DESCRIBED)
    text = view.performance(snap, recording="take-1.mid").plain
    for part in ("6/8", "Dir ↓ down", "Temp 0.80", "Tempo 96 bpm (internal)", "Jam off",
                 "ch 3", "MUTED", "REC take-1.mid"):
        assert part in text


def test_jam_state_shows_when_the_engine_reports_it() -> None:
    jam = {"mode": "call-response", "turn": "listening", "transport": "running",
           "clock_bpm": 121.4, "dropped": 3, "input_ok": False}
    snap = EngineSnapshot(sampler=DESCRIBED, jam=jam)
    assert "Jam call-response listening" in view.performance(snap).plain
    assert "(MIDI clock running 121)" in view.performance(snap).plain
    meters = view.meters(snap, input_name="MusicAI:keys").plain
    assert "dropped in 3" in meters and "in MusicAI:keys LOST" in meters
    assert "dropped in -" in view.meters(EngineSnapshot()).plain


def test_meters() -> None:
    snap = EngineSnapshot(inference_p50_ms=0.12, inference_p99_ms=0.3, jitter_p99_ms=0.21,
                          jitter_max_ms=1.5, late_notes=2, fallbacks=1, port="MusicAI:out",
                          port_ok=False, predictor="stream", notes_played=40)
    text = view.meters(snap).plain
    for part in ("infer 0.12/0.30 ms", "onset p99 0.21 ms (max 1.5)", "late 2", "fallback 1",
                 "out MusicAI:out LOST", "in -", "stream  notes 40"):
        assert part in text
    assert "xruns" not in text and "ahead" not in text  # rtmidi ports state no latency


def test_a_frame_stamping_port_shows_its_latency_and_xruns() -> None:
    snap = EngineSnapshot(port="synth:in", port_latency_ms=23.33, xruns=2)
    assert "out synth:in ok ahead 23.3 ms xruns 2" in view.meters(snap).plain


def test_the_roll_puts_notes_at_their_pitch_and_time_in_their_colours() -> None:
    notes = [PlayedNote(0, 64, 480, 90), PlayedNote(480, 67, 480, 90, "input"),
             PlayedNote(960, 60, 960, 90, "fallback"), PlayedNote(1440, None, 480, 0)]
    lines = rows(notes, now=1920, width=4 + 32, height=8, low=60, bars=1)
    assert [style for _, style in lines[7]][:1] == ["label"] and lines[7][0][0] == "C4  "
    by_pitch = {60 + 7 - r: [s for _, s in row] for r, row in enumerate(lines)}
    assert "green" in by_pitch[64] and "magenta" in by_pitch[67] and "yellow" in by_pitch[60]
    text = roll(notes, 1920, 36, 8, 60, bars=1).splitlines()
    assert text[7 - 4].index("█") == 4 and text[7 - 7].index("█") == 4 + 8  # beat 2 of 4


def test_the_roll_scrolls_and_keeps_its_pitch_window() -> None:
    notes = [PlayedNote(0, 72, 480, 90)]
    assert "█" in roll(notes, 480, 36, 8, 68, bars=1)
    assert "█" not in roll(notes, 480 + 1920, 36, 8, 68, bars=1)  # a bar later: gone
    assert choose_low([70, 72], 12, low=65) == 65  # fits: unchanged
    assert choose_low([90], 12, low=65) == 84  # re-centred
    assert choose_low([], 12, low=None) == 66


def test_completion() -> None:
    assert candidates("mo") == ["mode "]
    assert candidates("dir ") == ["dir auto ", "dir up ", "dir down ", "dir none "]
    assert candidates("key D minor @b") == ["key D minor @beat ", "key D minor @bar "]
    assert candidates("bpm 96; te") == ["bpm 96; temp "]
    assert candidates("set cont") == ["set contour "]
    assert candidates("temp 0.5 ") == [] and candidates("zz") == []
    assert common_prefix(["mode major ", "mode minor "]) == "mode m"


def test_the_script_watcher_reads_on_change_only(tmp_path: Path) -> None:
    script = tmp_path / "s.live"
    script.write_text("key D minor\n")
    watcher = ScriptWatcher(script, every=0.5)
    first = watcher.poll(Context(), now=0.0)
    assert first is not None and first.ok and first.commands[0].value == "D minor"
    assert watcher.poll(Context(), now=1.0) is None  # unchanged
    script.write_text("dir up\n")
    os.utime(script, ns=(1, 5_000_000_000))
    assert watcher.poll(Context(), now=1.2) is None  # not due yet
    second = watcher.poll(Context(), now=1.6)
    assert second is not None and second.commands[0].value == "up"
    script.unlink()
    gone = watcher.poll(Context(), now=2.5)
    assert gone is not None and not gone.ok and "cannot read" in gone.error
    assert watcher.poll(Context(), now=3.5) is None  # said once
    assert "nothing applied" in watcher.describe(gone)


def test_context_of_a_snapshot() -> None:
    snap = EngineSnapshot(bpm=96, muted=True, sampler={"key": "E dorian", "temperature": 0.7,
                                                       "direction": "up"})
    assert context_of(snap) == Context(Key.parse("E dorian"), 0.7, 96, True, "up")
    assert context_of(EngineSnapshot()) == Context()


def test_take_names_never_overwrite(tmp_path: Path) -> None:
    first = timestamped(tmp_path, when=0.0)
    first.write_bytes(b"")
    second = timestamped(tmp_path, when=0.0)
    assert first.name.startswith("take-") and second.name == first.stem + "-2.mid"


def test_flags(tmp_path: Path) -> None:
    script = tmp_path / "set.live"
    script.write_text("")
    args = build_parser().parse_args(["--model", "none", "--script", str(script), "--takes",
                                      str(tmp_path), "--seed", "1"])
    options = options_from(args)
    assert options.script == script and options.takes == tmp_path
    for bad in (["--script", str(tmp_path / "missing.live")], ["--takes", str(script)]):
        with pytest.raises(MusicAIError, match=r"--script|--takes"):
            options_from(build_parser().parse_args(["--model", "none", *bad]))
