"""``musicai-data scan`` as a user runs it: a real subprocess over real folders."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from midi_factory import SCALE, melody_file, midi_bytes, notes_track, scale_notes, write

SUMMARY = re.compile(
    r"^scanned (?P<folder>.+): (?P<found>[\d,]+) files, (?P<parsed>[\d,]+) parsed, "
    r"(?P<skipped>[\d,]+) skipped, (?P<melodies>[\d,]+) melodies, (?P<events>[\d,]+) events, "
    r"(?P<quarters>[\d,.]+) quarters$")


def scan(*args: str | Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("musicai-data")
    command = [str(script)] if script.exists() else [sys.executable, "-m",
                                                     "musicai.training.data_cli"]
    return subprocess.run([*command, "scan", *map(str, args)], capture_output=True, text=True,
                          timeout=300, check=False)


def summary(result: subprocess.CompletedProcess[str]) -> dict[str, float]:
    [line] = result.stdout.splitlines()
    match = SUMMARY.match(line)
    assert match, line
    return {k: float(v.replace(",", "")) for k, v in match.groupdict().items() if k != "folder"}


def skip_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("skip ")]


@pytest.fixture
def mixed(tmp_path: Path) -> tuple[Path, list[Path]]:
    """Good files at several depths and in every suffix spelling, bad files, and files that
    are not looked at (other suffixes, hidden folders)."""
    root = tmp_path / "midi"
    (root / "a" / "b").mkdir(parents=True)
    (root / ".cache").mkdir()
    melody_file(root / "one.mid")  # 8 notes, 8 quarters
    melody_file(root / "a" / "TWO.MID", scale_notes(12))  # 12 notes
    write(root / "a" / "b" / "three.Kar", [notes_track(SCALE), notes_track(SCALE, channel=1)])
    write(root / "a" / "b" / "four.smf", [notes_track(SCALE, channel=9)])  # drums: 0 melodies
    melody_file(root / "a" / "five.midi", scale_notes(10, step=240, length=240))
    bad = [root / "bad.mid", root / "a" / "empty.mid", root / "a" / "b" / "cut.midi",
           root / "a" / "b" / "wave.MID"]
    bad[0].write_text("not music\n")
    bad[1].write_bytes(b"")
    bad[2].write_bytes(midi_bytes([notes_track(SCALE)])[:40])
    bad[3].write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt ")
    (root / "a" / "dir.mid").mkdir()  # a folder with a MIDI name is walked, not read
    (root / "notes.txt").write_text("ignored")
    (root / ".cache" / "hidden.mid").write_bytes(b"")  # hidden folders are skipped
    return root, bad


def test_mixed_folder(mixed: tuple[Path, list[Path]]) -> None:
    root, bad = mixed
    result = scan(root)
    assert result.returncode == 0, result.stderr
    lines = skip_lines(result)
    assert len(lines) == len(bad)
    for path in bad:
        assert sum(line.startswith(f"skip {path}: ") for line in lines) == 1
    assert f"skip {bad[1]}: file is empty" in lines
    assert f"skip {bad[3]}: not a MIDI file (header is 'RIFF')" in lines
    assert any(line.startswith(f"skip {bad[2]}: truncated") for line in lines)
    assert summary(result) == {"found": 9, "parsed": 5, "skipped": 4, "melodies": 5,
                               "events": 8 + 12 + 16 + 10, "quarters": 8 + 12 + 16 + 5}
    assert "Traceback" not in result.stderr


def test_min_notes_and_quiet(mixed: tuple[Path, list[Path]]) -> None:
    root, _ = mixed
    result = scan(root, "--min-notes", "10", "--quiet")
    assert result.returncode == 0
    assert result.stderr == ""
    assert summary(result)["melodies"] == 2  # the 12-note and 10-note tunes


def test_all_bad_folder_exits_1(tmp_path: Path) -> None:
    (tmp_path / "x.mid").write_bytes(b"MThd")
    (tmp_path / "y.mid").write_bytes(b"")
    result = scan(tmp_path)
    assert result.returncode == 1
    assert len(skip_lines(result)) == 2
    assert summary(result)["parsed"] == 0


def test_empty_folder_exits_1_and_says_so(tmp_path: Path) -> None:
    result = scan(tmp_path)
    assert result.returncode == 1
    assert "no MIDI files" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_not_a_folder_exits_2_with_one_line(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "nope"
    if kind == "file":
        target = melody_file(tmp_path / "song.mid")
    result = scan(target)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert str(target) in line and result.stdout == ""


def test_bad_option_is_a_usage_error(tmp_path: Path) -> None:
    result = scan(tmp_path, "--min-notes", "zero")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_thousands_of_files(tmp_path: Path) -> None:
    good = midi_bytes([notes_track(SCALE)])
    for index in range(2100):
        folder = tmp_path / f"set{index % 30:02d}"
        folder.mkdir(exist_ok=True)
        data = good if index % 100 else b"MThd\x00\x00"
        (folder / f"tune{index:05d}.mid").write_bytes(data)
    result = scan(tmp_path)
    assert result.returncode == 0
    assert summary(result) == {"found": 2100, "parsed": 2079, "skipped": 21,
                               "melodies": 2079, "events": 2079 * 8, "quarters": 2079 * 8}
    assert len(skip_lines(result)) == 21
