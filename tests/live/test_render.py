"""``musicai-live --render``: takes written faster than real time, primers continued, and a
render that equals the live take note for note.

Everything runs the real command in a subprocess on real files; the render tests run with no
MIDI system reachable at all, the identity test plays live through a real JACK port.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import mido
import pytest
from midi_factory import conductor, notes_track, write
from musicai.live.theory.keys import Key

if TYPE_CHECKING:
    from conftest import MidiReceiver

    ReceiverFactory = Callable[[str], MidiReceiver]

NO_MIDI = {"JACK_DEFAULT_SERVER": "musicai-no-such-server", "JACK_NO_START_SERVER": "1",
           "MUSICAI_MIDI_BACKEND": ""}
BAR = 1920


def live(*args: str, env: dict[str, str] | None = None,
         timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "musicai.live.cli", *args],
                          capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, **(env or {})), stdin=subprocess.DEVNULL)


def render(*args: str) -> subprocess.CompletedProcess[str]:
    return live("--render", *args, env=NO_MIDI)


def track_notes(track: mido.MidiTrack) -> list[tuple[int, int, int, int]]:
    """(onset tick, pitch, velocity, channel) of each note-on."""
    out, tick = [], 0
    for m in track:
        tick += m.time
        if m.type == "note_on" and m.velocity > 0:
            out.append((tick, m.note, m.velocity, m.channel))
    return out


def metas(file: mido.MidiFile, kind: str) -> list[mido.MetaMessage]:
    return [m for m in file.tracks[0] if m.type == kind]


# an E minor tune: i - iv - V - i outlines, quavers and crotchets, ending on the tonic
E_MINOR_TUNE = [64, 66, 67, 71, 69, 67, 66, 64, 69, 71, 72, 71, 69, 67, 66, 71,
                64, 67, 71, 76, 74, 72, 71, 69, 67, 66, 64, 66, 67, 66, 64, 64]


def primer_file(path: Path, pitches: list[int] = E_MINOR_TUNE, bpm: float = 100.0) -> Path:
    notes, tick = [], 0
    for i, pitch in enumerate(pitches):
        length = 480 if i % 4 == 3 else 240
        notes.append((tick, length, pitch))
        tick += length
    return write(path, [conductor(bpm=bpm), notes_track(notes, name="Fiddle")])


def test_render_writes_a_take_with_no_midi_system(tmp_path: Path) -> None:
    out = tmp_path / "x.mid"
    script = tmp_path / "set.live"
    script.write_text("dir up\ntemp 0.9\n")
    done = render(str(out), "--bars", "16", "--seed", "4", "--key", "G dorian", "--bpm", "96",
                  "--script", str(script))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    file = mido.MidiFile(out)
    assert file.type == 1 and file.ticks_per_beat == 480
    assert any("seed=4" in m.text and "key=G dorian" in m.text for m in metas(file, "text"))
    assert [(m.numerator, m.denominator) for m in metas(file, "time_signature")] == [(4, 4)]
    assert [round(mido.tempo2bpm(m.tempo)) for m in metas(file, "set_tempo")] == [96]
    assert [m.key for m in metas(file, "key_signature")] == ["F"]  # G dorian: one flat
    assert {m.text for m in metas(file, "marker")} == {"direction=up", "temperature=0.9"}
    notes = track_notes(file.tracks[1])
    assert len(notes) >= 16 * 2
    assert notes[-1][0] < 16 * BAR <= notes[-1][0] + 4 * BAR
    g_dorian = Key.parse("G dorian")
    assert sum(g_dorian.contains(p) for _, p, _, _ in notes) >= 0.9 * len(notes)
    summary = done.stderr.strip().splitlines()[-1]
    rests = int(summary.split(" rests")[0].rsplit(" ", 1)[1])
    assert f"rendered {out} ({len(notes)} notes and {rests} rests, 16 bars" in summary


def test_count_renders_one_take_per_seed_named_by_seed_and_key(tmp_path: Path) -> None:
    done = render(str(tmp_path) + "/", "--count", "3", "--seed", "20", "--bars", "8",
                  "--key", "F# minor", "--model", "none")
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["musicai-s20-F#-minor.mid", "musicai-s21-F#-minor.mid",
                     "musicai-s22-F#-minor.mid"]
    takes = [track_notes(mido.MidiFile(tmp_path / n).tracks[1]) for n in names]
    assert takes[0] != takes[1] != takes[2]
    for name in names:
        seed = name.split("-s")[1].split("-")[0]
        text = metas(mido.MidiFile(tmp_path / name), "text")[0].text
        assert f"seed={seed}" in text
    assert "rendered 3 of 3 takes" in done.stderr
    again = render(str(tmp_path / "musicai-s20-F#-minor.mid"), "--seed", "20", "--bars", "8",
                   "--key", "F# minor", "--model", "none")
    assert again.returncode == 0
    assert track_notes(mido.MidiFile(tmp_path / names[0]).tracks[1]) == takes[0]  # same seed


@pytest.mark.parametrize(("args", "says"), [
    (("--count", "2"), "needs a folder"),
    (("--record", "y.mid"), "--render writes its own file"),
    (("--input", "keys"), "--render plays no live input"),
])
def test_render_flag_mistakes_are_one_line(tmp_path: Path, args: tuple[str, ...],
                                           says: str) -> None:
    done = render(str(tmp_path / "x.mid"), *args)
    assert done.returncode == 2
    assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.mid").exists()


def test_a_style_the_model_lacks_is_one_line(tmp_path: Path) -> None:
    done = render(str(tmp_path / "x.mid"), "--model", "none", "--style", "bach")
    assert done.returncode == 1, done.stderr
    assert "--style bach: the theory-only mode has no styles" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert not (tmp_path / "x.mid").exists()
    wrong = render(str(tmp_path / "x.mid"), "--style", "polka")
    assert wrong.returncode == 2 and "invalid choice: 'polka'" in wrong.stderr


def test_primer_is_continued_in_its_key_on_its_own_track(tmp_path: Path) -> None:
    primer = primer_file(tmp_path / "tune.mid")
    out = tmp_path / "answer.mid"
    done = render(str(out), "--primer", str(primer), "--bars", "8", "--seed", "2")
    assert done.returncode == 0, done.stderr
    assert "continuing tune.mid (Fiddle, 32 notes" in done.stderr
    file = mido.MidiFile(out)
    assert [m.key for m in metas(file, "key_signature")] == ["Em"]  # the primer's key
    assert [round(mido.tempo2bpm(m.tempo)) for m in metas(file, "set_tempo")] == [100]
    given = track_notes(file.tracks[2])
    assert file.tracks[2].name == "primer"
    assert [p for _, p, _, _ in given] == E_MINOR_TUNE
    primer_end = 8 * 240 * 3 + 8 * 480
    answer = track_notes(file.tracks[1])
    assert answer[0][0] >= primer_end  # the answer follows the primer
    e_minor = Key.parse("E minor")
    assert sum(e_minor.contains(p) for _, p, _, _ in answer) >= 0.9 * len(answer)
    # the model heard the primer: the same seed without it plays something else
    plain = render(str(tmp_path / "plain.mid"), "--bars", "8", "--seed", "2", "--key",
                   "E minor", "--bpm", "100")
    plain_notes = track_notes(mido.MidiFile(tmp_path / "plain.mid").tracks[1])
    assert plain.returncode == 0
    assert [p for _, p, _, _ in plain_notes] != [p for _, p, _, _ in answer]


def test_primer_key_gives_way_to_an_explicit_key(tmp_path: Path) -> None:
    primer = primer_file(tmp_path / "tune.mid")
    done = render(str(tmp_path / "a.mid"), "--primer", str(primer), "--key", "A minor",
                  "--bars", "4", "--model", "none")
    assert done.returncode == 0, done.stderr
    assert [m.key for m in metas(mido.MidiFile(tmp_path / "a.mid"), "key_signature")] == ["Am"]


@pytest.mark.parametrize(("content", "says"), [
    (b"RIFF\x00\x00\x00\x00WAVE", "not a MIDI file"),
    (b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0MTrk\x00\x00\x00\x40\x00\x90",
     "tune.mid"),
])
def test_a_bad_primer_is_one_line_and_nothing_is_written(tmp_path: Path, content: bytes,
                                                          says: str) -> None:
    (tmp_path / "tune.mid").write_bytes(content)
    out = tmp_path / "x.mid"
    done = render(str(out), "--primer", str(tmp_path / "tune.mid"))
    assert done.returncode == 2
    assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
    assert not out.exists()


def test_primer_track_out_of_range_lists_the_parts(tmp_path: Path) -> None:
    primer = primer_file(tmp_path / "tune.mid")
    done = render(str(tmp_path / "x.mid"), "--primer", str(primer), "--primer-track", "2")
    assert done.returncode == 2
    assert "has no part 2; --primer-track takes 1..1: 1 Fiddle (32 notes)" in done.stderr


@pytest.mark.jack
def test_a_render_equals_the_live_take_note_for_note(tmp_path: Path,
                                                      midi_receiver: ReceiverFactory) -> None:
    """Same seed, settings, script and primer, no live input: the live take, what a JACK
    listener heard, and the render are the same notes (the shipped model plays both)."""
    primer = primer_file(tmp_path / "tune.mid")
    script = tmp_path / "set.live"
    script.write_text("dir down\n")
    common = ("--bars", "4", "--bpm", "240", "--seed", "31", "--primer", str(primer),
              "--script", str(script))
    receiver = midi_receiver("render-rx")
    played = live("--backend", "jack", "--port", receiver.port_name, "--headless",
                  "--record", str(tmp_path / "live.mid"), *common)
    assert played.returncode == 0, played.stderr
    assert "0 fallbacks" in played.stderr  # a deadline miss would change the notes
    rendered = render(str(tmp_path / "render.mid"), *common)
    assert rendered.returncode == 0, rendered.stderr

    live_file, render_file = mido.MidiFile(tmp_path / "live.mid"), mido.MidiFile(
        tmp_path / "render.mid")
    live_notes, render_notes = track_notes(live_file.tracks[1]), track_notes(
        render_file.tracks[1])
    assert len(live_notes) >= 8
    assert live_notes == render_notes
    assert track_notes(live_file.tracks[2]) == track_notes(render_file.tracks[2])
    assert [m.text for m in metas(live_file, "marker")] == [
        m.text for m in metas(render_file, "marker")]
    heard = [m for _, m in receiver.wait_for(2 * len(live_notes) + 2, timeout=10)]
    assert [m[1] for m in heard if m[0] & 0xF0 == 0x90 and m[2] > 0] == [
        p for _, p, _, _ in render_notes]
    summary = next(line for line in played.stderr.splitlines() if "played" in line)
    rests = int(summary.split(" rests")[0].rsplit(" ", 1)[1])
    assert f"played {len(live_notes)} notes and {rests} rests" in summary
