"""The screen with a real engine: every key and command, checked in what the engine then plays.

The engine runs on a manual clock and plays exactly the notes a test grants (``SteppedEngine``),
into a ``RecordingOutput``; the screen is the real ``LiveApp`` under Textual's pilot.
"""

from __future__ import annotations

import itertools
import os
import sys
from pathlib import Path

import mido
import pytest
from musicai.live.livecode.script_watch import ScriptWatcher
from musicai.live.midi.take import TakeInfo
from musicai.live.theory.keys import Key
from musicai.live.tui.app import LiveApp
from musicai.live.tui.cmdline import CommandLine
from musicai.live.tui.pianoroll import PianoRoll
from musicai.live.tui.takes import TakeSwitch
from stepped_engine import SteppedEngine

pytestmark = pytest.mark.asyncio
SIZE = (120, 36)
BAR = 1920


@pytest.fixture
def stepped():
    engines: list[SteppedEngine] = []

    def make(**settings) -> SteppedEngine:
        engines.append(SteppedEngine(**{"strictness": 1.0, **settings}))
        return engines[-1]

    yield make
    for engine in engines:
        engine.stop()


async def type_line(pilot, text: str) -> None:
    if not pilot.app.query_one(CommandLine).display:
        await pilot.press("colon")
    await pilot.press(*[{" ": "space", "@": "at", ";": "semicolon", "#": "number_sign",
                         "-": "minus", "+": "plus", ".": "full_stop"}.get(c, c) for c in text])
    await pilot.press("enter")


def in_key(pitches, key: str) -> bool:
    scale = set(Key.parse(key).scale)
    return all(p % 12 in scale for p in pitches)


# keys -------------------------------------------------------------------------------------------
KEYS = [
    ("up", lambda s: s.sampler["direction"] == "up"),
    ("down", lambda s: s.sampler["direction"] == "down"),
    ("left", lambda s: s.sampler["direction"] == "none"),
    ("right", lambda s: s.sampler["direction"] == "none"),
    ("k", lambda s: s.sampler["key"] == "G major"),
    ("K", lambda s: s.sampler["key"] == "F major"),
    ("m", lambda s: s.sampler["key"] == "C minor"),
    ("plus", lambda s: s.sampler["temperature"] == pytest.approx(1.1)),
    ("minus", lambda s: s.sampler["temperature"] == pytest.approx(0.9)),
    ("left_square_bracket", lambda s: s.bpm == 116),
    ("right_square_bracket", lambda s: s.bpm == 124),
    ("space", lambda s: s.muted),
]


@pytest.mark.parametrize(("key", "check"), KEYS, ids=[k for k, _ in KEYS])
async def test_each_key_reaches_the_engine(stepped, key: str, check) -> None:
    engine = stepped()
    await engine.step(2)
    app = LiveApp(engine.engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key)
        snap = await engine.step(1)
        assert check(snap), snap.sampler
        assert "col" not in app.status_line and app.status_line  # what it did, no error


async def test_repeated_keys_build_on_what_was_sent(stepped) -> None:
    engine = stepped()
    await engine.step(1)
    app = LiveApp(engine.engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("k", "k", "k", "plus", "plus", "left", "left")  # before any note
        snap = await engine.step(1)
        assert snap.sampler["key"] == "A major"
        assert snap.sampler["temperature"] == pytest.approx(1.2)
        assert snap.sampler["direction"] == "auto"  # none, then back to auto


async def test_space_mutes_and_unmutes_what_is_sent(stepped) -> None:
    engine = stepped()
    await engine.step(2)
    app = LiveApp(engine.engine)
    async with app.run_test(size=SIZE) as pilot:
        sounded = len(engine.output.notes())
        await pilot.press("space")
        await engine.step(4)
        assert len(engine.output.notes()) == sounded  # played silently, time went on
        await pilot.press("space")
        await engine.step(4)
        assert len(engine.output.notes()) > sounded


async def test_p_panics(stepped) -> None:
    engine = stepped()
    await engine.step(2)
    app = LiveApp(engine.engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await engine.step(1)
        await pilot.pause(0.1)
        assert (0xB0, 123, 0) in [s.message for s in engine.output.sent]
        assert "panic" in app.status_line


async def test_q_panics_then_quits(stepped) -> None:
    engine = stepped()
    await engine.step(3)
    app = LiveApp(engine.engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.quitting and not app.is_running
    engine.predictor.permits.release()
    engine.thread.join(5)
    assert not engine.thread.is_alive()
    messages = [s.message for s in engine.output.sent]
    assert (0xB0, 123, 0) in messages and engine.output.sounding == frozenset()


async def test_the_footer_shows_the_bindings(stepped) -> None:
    engine = stepped()
    app = LiveApp(engine.engine)
    async with app.run_test(size=(200, 36)):
        shown = {a.binding.key for a in app.active_bindings.values() if a.binding.show}
        assert {"up", "down", "k", "K", "m", "plus", "minus", "space", "p", "r", "colon",
                "q"} <= shown


# the command line ------------------------------------------------------------------------------
COMMANDS = [
    ("key D minor", lambda e, s: s.sampler["key"] == "D minor"),
    ("mode dorian", lambda e, s: s.sampler["key"] == "C dorian"),
    ("dir up", lambda e, s: s.sampler["direction"] == "up"),
    ("temp 0.8", lambda e, s: s.sampler["temperature"] == 0.8),
    ("bpm 96", lambda e, s: s.bpm == 96),
    ("prog ii-V-I", lambda e, s: s.sampler["progression"] == "ii-V-I"),
    ("phrase 4", lambda e, s: s.sampler["phrase_slots"] == 4),
    ("phrase 2 bars", lambda e, s: s.sampler["phrase_slots"] == 8),
    ("chan 2", lambda e, s: s.channel == 1 and e.output.notes()[-1][1] == 1),
    ("strict 0.9", lambda e, s: s.sampler["strictness"] == 0.9),
    ("mute", lambda e, s: s.muted),
    ("panic", lambda e, s: s.message == "panic: all notes off"),
    ("set contour 2", lambda e, s: e.sampler.sampler.settings.contour == 2.0),
    ("key D minor; dir down # two at once",
     lambda e, s: (s.sampler["key"], s.sampler["direction"]) == ("D minor", "down")),
]


@pytest.mark.parametrize(("line", "check"), COMMANDS, ids=[c for c, _ in COMMANDS])
async def test_each_command_reaches_the_engine(stepped, line: str, check) -> None:
    engine = stepped()
    await engine.step(2)
    app = LiveApp(engine.engine)
    async with app.run_test(size=SIZE) as pilot:
        await type_line(pilot, line)
        snap = await engine.step(2)
        assert check(engine, snap)
        assert app.query_one(CommandLine).value == ""  # sent: the line is cleared


async def test_unmute_and_a_command_the_engine_refuses(stepped) -> None:
    engine = stepped()
    await engine.step(1)
    app = LiveApp(engine.engine)
    async with app.run_test(size=SIZE) as pilot:
        await type_line(pilot, "mute")
        await engine.step(1)
        await type_line(pilot, "unmute; jam call-response")
        snap = await engine.step(1)
        await pilot.pause(0.1)
        assert not snap.muted
        assert "jam" in snap.message and "jam" in app.status_line  # no jam: said, not raised


async def test_a_typo_says_where_and_sends_nothing(stepped) -> None:
    engine = stepped()
    await engine.step(1)
    app = LiveApp(engine.engine)
    async with app.run_test(size=SIZE) as pilot:
        await type_line(pilot, "dir up; key H major")
        line = app.query_one(CommandLine)
        assert "col 13" in app.status_line and "unknown key" in app.status_line
        assert app.query_one("#status").has_class("error")
        assert line.value == "dir up; key H major" and line.cursor_position == 12
        assert engine.engine.desk.empty()
        snap = await engine.step(1)
        assert snap.sampler["direction"] == "auto"


async def test_history_on_up_and_tab_completion(stepped) -> None:
    engine = stepped()
    app = LiveApp(engine.engine)
    async with app.run_test(size=SIZE) as pilot:
        await type_line(pilot, "dir up")
        line = app.query_one(CommandLine)
        assert not line.display  # a line that worked closes: the keys are the instrument's
        await type_line(pilot, "temp 0.5")
        await pilot.press("colon", "x", "up")
        assert line.value == "temp 0.5"
        await pilot.press("up")
        assert line.value == "dir up"
        await pilot.press("down", "down")
        assert line.value == "x"  # back to what was being typed
        line.value = ""
        await pilot.press("m", "o", "tab")
        assert line.value == "mode "
        await pilot.press("d", "tab")
        assert line.value == "mode dorian "
        await pilot.press("at", "b", "tab")
        assert line.value == "mode dorian @beat " and "@bar" in app.status_line
        await pilot.press("tab")
        assert line.value == "mode dorian @bar "
        await pilot.press("escape")
        assert not line.display and app.focused is None
        await pilot.press("k")  # the keys are the instrument's again
        assert not engine.engine.desk.empty()


# when changes land -------------------------------------------------------------------------------
async def test_a_key_change_mid_phrase_lands_on_the_next_note(stepped) -> None:
    engine = stepped()
    await engine.step(3)
    assert engine.engine.snapshot.sampler["phrase_slot"] > 0  # mid-phrase
    before = [n.pitch for n in engine.played if n.pitch is not None]
    app = LiveApp(engine.engine)
    async with app.run_test(size=SIZE) as pilot:
        await type_line(pilot, "key F# major")
        await engine.step(1)
        changed = engine.played[-1]
        await engine.step(6)
    assert engine.changes == [(changed.onset, "key", "F# major")]  # landed on that very note
    after = [n.pitch for n in engine.played if n.onset >= changed.onset and n.pitch is not None]
    assert in_key(before, "C major") and in_key(after, "F# major")
    assert any(p % 12 not in Key.parse("C major").scale for p in after)
    sent_after = [p for t, _, p, _ in engine.output.notes()
                  if t >= engine.engine.tempo.time_of(changed.onset)]
    assert sent_after == after  # what went out of the port, not just the snapshot


async def test_a_direction_change_bends_the_next_notes(stepped) -> None:
    runs = {}
    for key in ("up", "down"):
        engine = stepped(seed=5, contour=3.0)
        await engine.step(4)
        app = LiveApp(engine.engine)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press(key)
            start = len(engine.played)
            await engine.step(5)
        runs[key] = [n.pitch for n in engine.played[start - 1:] if n.pitch is not None]
    assert runs["up"][0] == runs["down"][0]  # the same melody until the key press
    assert runs["down"][-1] < runs["down"][0]
    def rises(run: list[int]) -> int:  # an up line may leap back from the wall: count moves
        return sum(b > a for a, b in itertools.pairwise(run))

    assert rises(runs["up"]) > rises(runs["down"])


async def test_a_bar_change_waits_for_the_bar_line(stepped) -> None:
    engine = stepped()
    await engine.step(1)
    while engine.engine.snapshot.tick % BAR == 0:  # until the next note starts mid-bar
        await engine.step(1)
    line = (engine.engine.snapshot.tick // BAR + 1) * BAR
    app = LiveApp(engine.engine)
    async with app.run_test(size=SIZE) as pilot:
        await type_line(pilot, "key F# major @bar")
        while engine.played[-1].onset + engine.played[-1].duration < line:
            await engine.step(1)
            assert engine.engine.snapshot.sampler["key"] == "C major"
        await engine.step(3)
    first = next(n for n in engine.played if n.onset >= line)
    assert engine.changes == [(first.onset, "key", "F# major")]
    assert len([n for n in engine.played if n.onset < line]) >= 2  # some waited for the line
    assert in_key([n.pitch for n in engine.played if n.onset < line and n.pitch], "C major")
    assert in_key([n.pitch for n in engine.played if n.onset >= line and n.pitch], "F# major")


# recording, scripts and the picture --------------------------------------------------------------
async def test_r_records_a_take_from_the_bar_line(stepped, tmp_path: Path) -> None:
    engine = stepped()
    await engine.step(5)
    takes = TakeSwitch(engine.engine, TakeInfo(120, "C major", 1, "theory-only"), tmp_path)
    app = LiveApp(engine.engine, takes=takes)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        assert "recording" in app.status_line and takes.recording.startswith("take-")
        await engine.step(6)
        recorded = [n for n in engine.played[-6:] if n.pitch is not None]
        await pilot.press("r")
        assert "take written" in app.status_line
    files = list(tmp_path.glob("take-*.mid"))
    assert len(files) == 1
    ons = [m.note for m in mido.MidiFile(files[0]).tracks[1] if m.type == "note_on"]
    assert ons == [n.pitch for n in recorded]


async def test_a_script_is_applied_and_applied_again_when_saved(stepped,
                                                                tmp_path: Path) -> None:
    script = tmp_path / "set.live"
    script.write_text("key D minor  # the verse\ndir down\n")
    engine = stepped()
    await engine.step(1)
    app = LiveApp(engine.engine, script=ScriptWatcher(script, every=0.0))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.1)
        snap = await engine.step(1)
        assert (snap.sampler["key"], snap.sampler["direction"]) == ("D minor", "down")
        script.write_text("key E minor @bar\nmode dorian @bar\n")
        os.utime(script, ns=(1, 2_000_000_000))
        await pilot.pause(0.1)
        assert "applied" in app.status_line
        script.write_text("key E minor\ndir sideways\n")
        os.utime(script, ns=(1, 3_000_000_000))
        await pilot.pause(0.1)
        assert "line 2, col 5" in app.status_line and "nothing applied" in app.status_line
        while engine.played[-1].onset + engine.played[-1].duration <= BAR:
            await engine.step(1)
        snap = await engine.step(1)
        assert snap.sampler["key"] == "E dorian" and snap.sampler["direction"] == "down"


async def test_the_screen_shows_the_music_and_the_meters(stepped) -> None:
    engine = stepped(progression="I-IV-V-I")
    await engine.step(2)
    app = LiveApp(engine.engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("k")
        await engine.step(4)
        await pilot.pause(0.1)
        harmony = app.panels["harmony"].content.plain
        assert "Key G major" in harmony
        assert "G A B C D E F#" in harmony and "Prog" in harmony
        performance = app.panels["performance"].content.plain
        assert "Phrase" in performance and "/16" in performance and "Tempo 120 bpm" in performance
        meters = app.panels["meters"].content.plain
        assert "onset p99" in meters and "recording ok" in meters
        roll = app.query_one(PianoRoll)
        rows = ["".join(seg.text for seg in roll.render_line(y)) for y in range(roll.size.height)]
        assert roll.repaints > 0 and any("█" in row for row in rows)


async def test_lines_printed_by_chores_show_on_the_status_line(stepped) -> None:
    engine = stepped()
    said: list[int] = []

    def watch() -> None:  # like the jam's input watch: runs on the UI tick, prints a line
        if not said:
            said.append(1)
            print("musicai-live: input 'keys' lost; waiting for it", file=sys.stderr)

    app = LiveApp(engine.engine, chores=[watch], input_name="keys")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        assert app.status_line == "input 'keys' lost; waiting for it"
        assert "in keys ok" in app.panels["meters"].content.plain
