"""Controller maps: the --cc string, the TOML file, value ranges, and bad specs (one line,
exit 2); controllers steering a jam on a manual clock."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from jam_fakes import BEAT, jam_engine
from musicai.live.errors import JamError
from musicai.live.jam.cc_map import parse_cc, value_for
from musicai.live.jam.controller import JamSetup
from musicai.live.theory.keys import Key


def test_pairs_and_file_give_the_same_map(tmp_path: Path) -> None:
    path = tmp_path / "knobs.toml"
    path.write_text("# my controller\n[cc]\ntemperature = 21\ndirection = 22\nkey = 23\n"
                    "jam = 24\nmute = 64\n")
    from_file = parse_cc(str(path))
    assert from_file == parse_cc("temperature=21, direction=22,key=23,jam=24,mute=64")
    assert from_file.target(64) == "mute" and from_file.target(1) is None
    assert from_file.controllers == {21, 22, 23, 24, 64}
    top_level = tmp_path / "flat.toml"
    top_level.write_text("temperature = 21\n")
    assert parse_cc(str(top_level)).controls == ((21, "temperature"),)


@pytest.mark.parametrize(("spec", "says"), [
    ("temperature", "is not TARGET=CC"),
    ("tempo=21", "unknown target 'tempo'"),
    ("temperature=x", "is not a controller number"),
    ("temperature=123", "channel mode"),
    ("temperature=21,direction=21", "given to both temperature and direction"),
    ("temperature=21,temperature=22", "given twice"),
    ("missing.toml", "no such file"),
])
def test_bad_specs_say_what_is_wrong(spec: str, says: str) -> None:
    with pytest.raises(JamError, match=says):
        parse_cc(spec)


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[cc\ntemperature = 21\n")
    with pytest.raises(JamError, match=r"broken\.toml.*not valid TOML"):
        parse_cc(str(path))
    path.write_text("[cc]\n")
    with pytest.raises(JamError, match="no controls"):
        parse_cc(str(path))
    path.write_text("[cc]\nmute = true\n")
    with pytest.raises(JamError, match="not a controller number"):
        parse_cc(str(path))


@pytest.mark.parametrize("args", [
    ("--input", "x", "--cc", "tempo=21"),
    ("--input", "x", "--cc", "nothing.toml"),
    ("--cc", "temperature=21"),  # no --input
    ("--input", "x", "--split", "H2"),
    ("--input", "x", "--chord-channel", "17"),
    ("--input", "x", "--jam", "duet"),
    ("--input", "x", "--response-after", "-2"),
    ("--input", "x", "--sync", "midi", "--clock-out"),
])
def test_bad_jam_flags_are_one_line_and_exit_2(args: tuple[str, ...]) -> None:
    done = subprocess.run([sys.executable, "-m", "musicai.live.cli", "--model", "none", *args],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("musicai-live: ")
    assert "Traceback" not in done.stderr


def test_value_ranges() -> None:
    key = Key(9, "minor")
    assert [value_for("temperature", v, key)[1] for v in (0, 32, 64, 96)] == [0.25, 0.5, 1.0,
                                                                              2.0]
    assert [value_for("direction", v, key)[1] for v in (0, 31, 32, 63, 64, 95, 96, 127)] == [
        "down", "down", "none", "none", "auto", "auto", "up", "up"]
    assert [value_for("jam", v, key)[1] for v in (0, 32, 64, 96)] == [
        "accompany", "call-response", "follow", "thru"]
    assert [value_for("mute", v, key)[1] for v in (0, 63, 64, 127)] == [False, False, True, True]
    tonics = [value_for("key", v, key)[1] for v in (0, 11, 22, 32, 43, 54, 64, 75, 86, 96, 107,
                                                      118)]
    assert [k.tonic for k in tonics] == [0, 7, 2, 9, 4, 11, 6, 1, 8, 3, 10, 5]  # by fifths
    assert {k.mode for k in tonics} == {"minor"}  # the mode stays
    assert value_for("key", 0, key)[2] == "bar" and value_for("temperature", 300, key)[1] > 3.9


def test_form_controls_have_their_ranges_and_boundaries() -> None:
    key = Key.parse("C major")
    assert [value_for("repeat", v, key)[1] for v in (0, 127)] == [0.0, 1.0]
    assert [value_for("density", v, key)[1] for v in (0, 127)] == [2.0, 8.0]  # 2..8 per bar
    assert [value_for("form", v, key)[1] for v in (0, 26, 52, 77, 127)] == [
        "free", "AABA", "ABAC", "AABB", "ABAB"]
    assert [value_for("loop", v, key)[1] for v in (0, 32, 64, 127)] == [0, 1, 2, 4]
    assert value_for("mutate", 127, key)[1] == 1.0
    assert [value_for(t, 64, key)[2] for t in ("repeat", "density", "form", "loop", "mutate")] == [
        "bar", "bar", "phrase", "bar", "note"]
    assert parse_cc("repeat=30,density=31,form=32,loop=64,mutate=65").target(64) == "loop"
    assert [value_for("style", v, key)[1] for v in (0, 26, 52, 77, 127)] == [
        "bach", "essen", "oneills", "ryans", "airds"]
    assert value_for("style", 0, key)[2] == "note"


def test_controllers_steer_the_engine_coalesced_per_target() -> None:
    sweep = [(0.2 + i * 0.001, (0xB0, 21, v)) for i, v in enumerate(range(0, 97, 8))]
    script = [*sweep, (0.3, (0xB1, 22, 120)), (0.4, (0xB0, 25, 127)), (2 * BEAT, (0xB0, 25, 0)),
              (0.31, (0xB0, 30, 1))]
    cc = parse_cc("temperature=21,direction=22,mute=25")
    engine, out, _, _ = jam_engine(script, JamSetup(cc=cc), bars=2)
    changes: list[tuple[str, object]] = []
    engine.change_listeners.append(lambda tick, s, v: changes.append((s, v)))
    engine.run()
    temperatures = [v for s, v in changes if s == "temperature"]
    assert temperatures[-1] == 2.0 and len(temperatures) < 13  # the sweep's end, coalesced
    described = engine.sampler.describe()
    assert described["temperature"] == 2.0 and described["direction"] == "up"
    assert ("mute", True) in changes and changes[-1] == ("mute", False)
    muted = [t for t, _ in [(n[0], n[2]) for n in out.notes()] if 0.4 < t < 2 * BEAT]
    assert not muted
