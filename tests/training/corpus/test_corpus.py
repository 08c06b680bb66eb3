"""``musicai-data corpus`` on real music21 data: files, parts, resumability, errors, Ctrl-C."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from importlib.util import find_spec
from pathlib import Path

import mido
import pytest
from musicai.live.errors import MusicAIError
from musicai.training.corpus import convert as corpus
from musicai.training.corpus.abc_text import is_chord_symbol, split_tunes, strip_annotations
from musicai.training.corpus.files import remove_stale_temps, write_atomic
from musicai.training.corpus.sets import SETS, Tune, parse_set_names

needs_music21 = pytest.mark.skipif(find_spec("music21") is None, reason="corpus extra missing")

#: Tunes music21 10.5.1 ships per set (bach: score files less duplicates and bwv846).
FOUND = {"bach": 409, "essen": 8514, "oneills": 2009, "ryans": 1059, "airds": 1180}
LIMIT = 2

#: The harness ``musicai-data`` puts around a subcommand (data_cli.main), for subprocesses.
HARNESS = """
import argparse, sys
from musicai.live.errors import MusicAIError
from musicai.training.corpus import convert as corpus
parser = argparse.ArgumentParser(prog="musicai-data")
corpus.add_parser(parser.add_subparsers(dest="command", required=True))
args = parser.parse_args(sys.argv[1:])
try:
    sys.exit(args.run(args))
except MusicAIError as err:
    print(f"musicai-data: {err}", file=sys.stderr)
    sys.exit(2)
except KeyboardInterrupt:
    print("musicai-data: interrupted", file=sys.stderr)
    sys.exit(130)
"""


def run_corpus(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="musicai-data")
    corpus.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["corpus", *argv])
    return args.run(args)


def notes_of(path: Path) -> list[tuple[int, int, int]]:
    """(track index, channel, pitch) of every note-on in a file."""
    midi = mido.MidiFile(path)
    return [(i, msg.channel, msg.note) for i, track in enumerate(midi.tracks)
            for msg in track if msg.type == "note_on" and msg.velocity]


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if find_spec("music21") is None:
        pytest.skip("corpus extra missing")
    out = tmp_path_factory.mktemp("corpus")
    assert run_corpus("--out", str(out), "--limit", str(LIMIT), "--workers", "2") == 0
    return out


@needs_music21
def test_every_set_gets_limit_files_that_mido_opens(converted: Path) -> None:
    for name in SETS:
        files = sorted((converted / name).iterdir())
        assert len(files) == LIMIT and all(f.suffix == ".mid" for f in files), files
        for path in files:
            midi = mido.MidiFile(path)
            assert (midi.type, midi.ticks_per_beat) == (1, 480)
            conductor = {msg.type for msg in midi.tracks[0]}
            assert {"track_name", "set_tempo"} <= conductor
            assert not any(msg.type == "note_on" for msg in midi.tracks[0])


@needs_music21
def test_bach_has_four_named_voices_on_their_own_channels(converted: Path) -> None:
    for path in (converted / "bach").iterdir():
        midi = mido.MidiFile(path)
        assert [t.name for t in midi.tracks[1:]] == ["Soprano", "Alto", "Tenor", "Bass"]
        notes = notes_of(path)
        assert {(track, channel) for track, channel, _ in notes} == {(1, 0), (2, 1), (3, 2),
                                                                    (4, 3)}
        soprano = [p for t, _, p in notes if t == 1]
        bass = [p for t, _, p in notes if t == 4]
        assert sum(soprano) / len(soprano) > sum(bass) / len(bass) + 12


@needs_music21
def test_folk_tunes_are_one_melody_track_with_sane_pitches(converted: Path) -> None:
    for name in ("essen", "oneills", "ryans", "airds"):
        for path in (converted / name).iterdir():
            midi = mido.MidiFile(path)
            assert [t.name for t in midi.tracks[1:]] == ["Melody"]
            pitches = [p for _, _, p in notes_of(path)]
            assert len(pitches) >= 10 and min(pitches) >= 40 and max(pitches) <= 100


@needs_music21
def test_every_note_on_has_its_note_off(converted: Path) -> None:
    for path in converted.glob("*/*.mid"):
        for track in mido.MidiFile(path).tracks:
            sounding: dict[tuple[int, int], int] = {}
            for msg in track:
                if msg.type == "note_on" and msg.velocity:
                    key = (msg.channel, msg.note)
                    assert key not in sounding, f"{path}: {msg} overlaps itself"
                    sounding[key] = 1
                elif msg.type in ("note_off", "note_on"):
                    sounding.pop((msg.channel, msg.note))
            assert not sounding, path


@needs_music21
def test_no_temp_files_and_manifest_counts(converted: Path) -> None:
    assert sorted(p.name for p in converted.iterdir()) == sorted([*SETS, "manifest.json"])
    assert not [p for p in converted.rglob("*") if p.name.startswith(".")]
    manifest = json.loads((converted / "manifest.json").read_text())
    assert manifest["music21_version"] == "10.5.1"
    for name, found in FOUND.items():
        entry = manifest["sets"][name]
        assert (entry["found"], entry["selected"], entry["converted"]) == (found, LIMIT, LIMIT)
        assert (entry["skipped_existing"], entry["failed"]) == (0, 0)
        assert entry["notes"] == sum(len(notes_of(p)) for p in (converted / name).iterdir())
        assert entry["provenance"] and entry["seconds"] >= 0


@needs_music21
def test_resume_skips_present_files_and_redoes_a_deleted_one(tmp_path: Path) -> None:
    common = ("--out", str(tmp_path), "--limit", "2", "--workers", "1")
    assert run_corpus(*common, "--sets", "ryans,airds") == 0
    first = json.loads((tmp_path / "manifest.json").read_text())["sets"]
    assert run_corpus(*common, "--sets", "ryans,airds") == 0
    second = json.loads((tmp_path / "manifest.json").read_text())["sets"]
    for name in ("ryans", "airds"):
        assert (second[name]["converted"], second[name]["skipped_existing"]) == (0, 2)
        assert second[name]["notes"] == first[name]["notes"]
    victim = sorted((tmp_path / "airds").iterdir())[0]
    victim.unlink()
    assert run_corpus(*common, "--sets", "airds") == 0
    third = json.loads((tmp_path / "manifest.json").read_text())["sets"]
    assert (third["airds"]["converted"], third["airds"]["skipped_existing"]) == (1, 1)
    assert victim.exists() and third["airds"]["notes"] == first["airds"]["notes"]
    assert third["ryans"] == second["ryans"]  # sets not run keep their entry


def test_unknown_set_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MusicAIError, match=r"unknown corpus set 'mozart'.*bach,essen"):
        parse_set_names("bach,mozart")
    with pytest.raises(MusicAIError):
        parse_set_names(" , ")
    assert parse_set_names("Essen, bach,essen") == ["essen", "bach"]


@needs_music21
def test_unknown_set_exits_2_with_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", HARNESS, "corpus", "--out", str(tmp_path / "o"), "--sets", "baz"],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "musicai-data: unknown corpus set 'baz'; choose from bach,essen,oneills,ryans,airds"]
    assert not (tmp_path / "o").exists()


def test_data_cli_dispatches_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data_cli = pytest.importorskip("musicai.training.data_cli")  # needs its sibling commands
    assert data_cli.main(["corpus", "--out", str(tmp_path), "--sets", "nope"]) == 2
    assert capsys.readouterr().err.strip() == (
        "musicai-data: unknown corpus set 'nope'; choose from bach,essen,oneills,ryans,airds")


def test_workers_and_limit_must_be_positive(tmp_path: Path) -> None:
    for flag in ("--workers", "--limit"):
        with pytest.raises(SystemExit) as exit_info:
            run_corpus("--out", str(tmp_path), flag, "0")
        assert exit_info.value.code == 2


def test_without_music21_one_line_and_exit_2(tmp_path: Path) -> None:
    code = (
        "import sys, argparse; sys.modules['music21'] = None\n"
        "from musicai.training.corpus import convert as corpus\n"
        f"ns = argparse.Namespace(out={str(tmp_path / 'o')!r}, sets='bach', workers=1, limit=1)\n"
        "sys.exit(corpus.run(ns))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == corpus.NEEDS_EXTRA
    assert not (tmp_path / "o").exists()


@needs_music21
def test_ctrl_c_stops_cleanly_leaving_only_whole_files(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", HARNESS, "corpus", "--out", str(tmp_path), "--sets", "essen",
         "--limit", "400", "--workers", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 30
    while len(list((tmp_path / "essen").glob("*.mid"))) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal does: the whole process group
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.strip().endswith("musicai-data: interrupted")
    files = list((tmp_path / "essen").iterdir())
    assert 5 <= len(files) < 400
    assert all(f.suffix == ".mid" for f in files)
    for path in files:
        mido.MidiFile(path)


# --- the parts, on small inputs -------------------------------------------------------------

CHORD_TUNE = """X:7
T:Chord test
M:6/8
L:1/8
K:Gm
"Gm"G3-G2A|"D7/F#"{c}B2A [DF]3|"N.C."d6|"Cm""4"c3 ">"d3|]
"""


@needs_music21
def test_ties_merge_graces_drop_chords_get_their_own_track() -> None:
    from musicai.training.corpus.worker import convert

    midi = convert(Tune("oneills", "t-7", "inline", abc=CHORD_TUNE))
    assert [t.name for t in midi.tracks] == ["Chord test", "Melody", "Chords"]
    melody = _spans(midi.tracks[1])
    assert len(melody) == 9  # G A B A D+F d c d: no grace note, the tie made one note
    assert melody[0] == (0, 1200, 67)  # G3-G2 tied: one note of five eighths
    assert [s for s in melody if s[0] == 1440] == [(1440, 1920, 70)]  # {c} grace dropped
    assert melody[-1] == (5040, 5760, 74)  # the ">"-marked d survives (music21 drops it)
    chords = _spans(midi.tracks[2])
    assert [s for s in chords if s[0] == 0] == [(0, 1440, 55), (0, 1440, 58), (0, 1440, 62)]
    assert {p for s, _, p in chords if s == 1440} == {42, 50, 54, 57, 60}  # F# bass below D7
    assert not [s for s in chords if 2880 <= s[0] < 4320]  # N.C. ends the D7
    assert {msg.channel for msg in midi.tracks[2] if msg.type == "note_on"} == {1}


def _spans(track: mido.MidiTrack) -> list[tuple[int, int, int]]:
    now, start, spans = 0, {}, []
    for msg in track:
        now += msg.time
        if msg.type == "note_on" and msg.velocity:
            start[msg.note] = now
        elif msg.type in ("note_off", "note_on"):
            spans.append((start.pop(msg.note), now, msg.note))
    return sorted(spans)


@needs_music21
def test_a_bad_tune_fails_alone_and_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from musicai.training.corpus.batch import run_batch
    from musicai.training.corpus.manifest import SetStats
    from musicai.training.corpus.worker import Task
    from rich.console import Console

    good = Tune("airds", "good-1", "inline X:1", abc=CHORD_TUNE)
    bad = Tune("airds", "empty-2", "inline X:2", abc="X:2\nT:Nothing\nK:C\n")
    stats = {"airds": SetStats(found=2, selected=2)}
    tasks = [Task(t, str(tmp_path / f"{t.tune_id}.mid")) for t in (bad, good)]
    run_batch(tasks, 1, stats, Console(stderr=True))
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["musicai-data corpus: airds/empty-2 (inline X:2) failed: no notes"]
    assert (stats["airds"].converted, stats["airds"].failed) == (1, 1)
    assert stats["airds"].failures == [{"id": "empty-2", "reason": "no notes"}]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good-1.mid"]


def test_split_tunes_follows_x_lines() -> None:
    book = "% header\nX:1\nT:A\nK:C\nCDE|\n\nX: 0002\nT:B\nK:G\nGAB|\n"
    assert [(n, t.splitlines()[1]) for n, t in split_tunes(book)] == [(1, "T:A"), (2, "T:B")]


def test_annotations_go_chord_symbols_stay() -> None:
    for keep in ('"Am"', '"G7/B"', '"D7"', '"Bbmaj7"', '"F#m7b5"', '"N.C."', '"Csus4"'):
        assert is_chord_symbol(keep), keep
    for drop in ('"4"', '">"', '"f"', '"D.C."', '"^Segno"', '"_mf"', '"FREI"', '"~"'):
        assert not is_chord_symbol(drop), drop
    tune = 'X:1\nT:"quoted" title\nK:C\n"Am"A"4"B ">"c "D.C."d|\n'
    assert strip_annotations(tune) == 'X:1\nT:"quoted" title\nK:C\n"Am"AB c d|\n'


def test_atomic_write_and_stale_temp_cleanup(tmp_path: Path) -> None:
    write_atomic(tmp_path / "a.mid", b"MThd")
    (tmp_path / ".b.mid.999.tmp").write_bytes(b"half")
    assert remove_stale_temps(tmp_path) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["a.mid"]
