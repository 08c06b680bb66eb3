"""``--script`` with ``--headless``: the file's first version lands on the first note, and each
version is reported in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mido

#: No MIDI system: the run plays to the screen and the take (as on a machine without one).
NO_MIDI = dict(os.environ, JACK_DEFAULT_SERVER="musicai-no-such-server",
               JACK_NO_START_SERVER="1", MUSICAI_MIDI_BACKEND="")


def test_a_headless_run_applies_the_script_from_the_first_note(tmp_path: Path) -> None:
    script, take = tmp_path / "set.live", tmp_path / "take.mid"
    script.write_text("key D minor   # the verse\ndir down; temp 0.7\n")
    done = subprocess.run(
        [sys.executable, "-m", "musicai.live.cli", "--headless", "--model", "none", "--seed",
         "4", "--bpm", "400", "--bars", "2", "--script", str(script), "--record", str(take)],
        capture_output=True, text=True, timeout=60, env=NO_MIDI)
    assert done.returncode == 0, done.stderr
    assert "script set.live: applied (3 commands)" in done.stderr
    markers = [(m.time, m.text) for m in mido.MidiFile(take).tracks[0] if m.type == "marker"]
    assert [text for _, text in markers] == ["key=D minor", "direction=down", "temperature=0.7"]
    assert all(time == 0 for time, _ in markers)  # on the very first note


def test_a_script_with_an_error_applies_nothing_and_says_where(tmp_path: Path) -> None:
    script = tmp_path / "set.live"
    script.write_text("key D minor\ndir sideways\n")
    done = subprocess.run(
        [sys.executable, "-m", "musicai.live.cli", "--headless", "--model", "none", "--bpm",
         "400", "--bars", "1", "--script", str(script)],
        capture_output=True, text=True, timeout=60, env=NO_MIDI)
    assert done.returncode == 0, done.stderr
    assert "script set.live line 2, col 5: dir is one of" in done.stderr
    assert "nothing applied" in done.stderr
