"""The live-coding language: what each command sends, marks, several statements and comments,
relative forms, scripts, and bad input coming back as values (message and column)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from musicai.live.engine.commands import Action, Change
from musicai.live.livecode.language import Context, parse, parse_script
from musicai.live.livecode.verbs import MARKS, VERBS
from musicai.live.theory.keys import Key


@pytest.mark.parametrize(("line", "commands"), [
    ("key D minor", [Change("key", "D minor")]),
    ("key F# dorian", [Change("key", "F# dorian")]),
    ("key next", [Change("key", "G major")]),
    ("key prev", [Change("key", "F major")]),
    ("key -2", [Change("key", "Bb major")]),
    ("mode dorian", [Change("key", "C dorian")]),
    ("mode harmonic minor", [Change("key", "C harmonic minor")]),
    ("mode next", [Change("key", "C minor")]),
    ("dir up", [Change("direction", "up")]),
    ("direction flat", [Change("direction", "none")]),
    ("temp 0.8", [Change("temperature", 0.8)]),
    ("temp +0.1", [Change("temperature", 1.1)]),
    ("bpm 96", [Change("bpm", 96.0)]),
    ("bpm -4", [Change("bpm", 116.0)]),
    ("prog ii-V-I", [Change("progression", "ii-V-I")]),
    ("prog ii V I", [Change("progression", "ii-V-I")]),
    ("prog default", [Change("progression", ())]),
    ("phrase 8", [Change("phrase_bars", 0), Change("phrase_length", 8), Change("form", "free")]),
    ("phrase 4 bars", [Change("phrase_bars", 4)]),
    ("chan 2", [Change("channel", 1)]),
    ("strict 0.9", [Change("strictness", 0.9)]),
    ("mute", [Change("mute", True)]),
    ("unmute", [Change("mute", False)]),
    ("panic", [Action("panic")]),
    ("jam call-response", [Change("jam", "call-response")]),
    ("set contour 2", [Change("contour", 2.0)]),
    ("set max_repeats 2", [Change("max_repeats", 2)]),
    ("SET Contour 2", [Change("contour", 2.0)]),
    ("style oneills", [Change("style", "oneills")]),
    ("style Bach @bar", [Change("style", "bach", "bar")]),
    ("style next", [Change("style", "bach")]),
    ("style prev", [Change("style", "airds")]),
])
def test_each_command(line: str, commands: list) -> None:
    parsed = parse(line)
    assert parsed.ok, parsed.error
    assert list(parsed.commands) == commands


@pytest.mark.parametrize("when", ["note", "beat", "bar", "phrase"])
def test_a_mark_says_when_a_change_lands(when: str) -> None:
    assert parse(f"key D minor @{when}").commands == (Change("key", "D minor", when),)
    assert parse(f"@{when} dir up").commands == (Change("direction", "up", when),)


def test_several_statements_comments_and_blank_lines() -> None:
    parsed = parse("key D minor @bar; dir up ;; temp 0.7  # the bridge; not: bpm 60")
    assert parsed.commands == (Change("key", "D minor", "bar"), Change("direction", "up"),
                               Change("temperature", 0.7))
    assert parse("").commands == () and parse("   # only a comment").ok
    assert parse("key F#").commands == (Change("key", "F# major"),)  # '#' in a note name


def test_statements_build_on_each_other() -> None:
    parsed = parse("key D minor; mode dorian; key next; temp +0.2; temp +0.2",
                   Context(temperature=0.5))
    assert [c.value for c in parsed.commands] == ["D minor", "D dorian", "A dorian", 0.7, 0.9]
    assert parsed.context.key == Key.parse("A dorian") and parsed.context.temperature == 0.9


def test_styles_go_round_the_collections() -> None:
    parsed = parse("style next; style next; style airds; style next", Context(style="essen"))
    assert [c.value for c in parsed.commands] == ["oneills", "ryans", "airds", "bach"]


def test_relative_values_stay_in_range() -> None:
    assert parse("bpm +10", Context(bpm=395)).commands == (Change("bpm", 400.0),)
    assert parse("temp -0.5", Context(temperature=0.1)).commands == (
        Change("temperature", 0.05),)


@pytest.mark.parametrize(("line", "column", "words"), [
    ("kee D minor", 1, "did you mean 'key'"),
    ("key H major", 5, "unknown key 'H major'"),
    ("mode dorain", 6, "unknown mode"),
    ("dir sideways", 5, "dir is one of auto, up, down, none"),
    ("temp hot", 6, "temp needs a number"),
    ("temp 50", 6, "temperature 50.0 is outside 0.01..20"),
    ("bpm 1000", 5, "bpm 1000 is out of range"),
    ("chan 17", 6, "use 1..16"),
    ("strict 2", 8, "strictness 2.0 is outside 0..1"),
    ("phrase 1", 8, "phrase_length 1 is outside 2..64"),
    ("prog ii-X", 6, 'unknown chord "X"'),
    ("key D minor @soon", 13, "unknown mark '@soon'"),
    ("key D minor @bar @beat", 13, "one @mark per statement"),
    ("panic @bar", 7, "panic happens at once"),
    ("mute now", 6, "mute takes no value"),
    ("temp 0.8 0.9", 10, "temp takes one value"),
    ("key", 1, "key needs a value"),
    ("@bar", 1, "a mark needs a command"),
    ("set contur 2", 5, "did you mean 'contour'"),
    ("set velocity loud", 14, "set needs a number"),
    ("jam !!", 5, "jam needs a mode name"),
    ("dir up; bpm x", 13, "bpm needs a number"),
    ("style polka", 7, "style polka is not one of any, bach, essen, oneills, ryans, airds"),
])
def test_bad_lines_are_values_with_a_column(line: str, column: int, words: str) -> None:
    parsed = parse(line)
    assert not parsed.ok and parsed.commands == ()
    assert words in parsed.error
    assert parsed.column == column
    assert parsed.context == Context()  # nothing of a bad line takes effect


def test_a_bad_statement_sends_nothing_of_its_line() -> None:
    parsed = parse("key D minor; dir sideways; temp 0.5")
    assert not parsed.ok and parsed.commands == () and parsed.column == 18


def test_scripts_are_all_or_nothing_and_name_the_line() -> None:
    good = parse_script("# my set\nkey D minor @bar\n\ndir up; temp 0.8\nmode dorian\n")
    assert [c.value for c in good.commands] == ["D minor", "up", 0.8, "D dorian"]
    bad = parse_script("key D minor\ndir up\ntemp x\n")
    assert not bad.ok and bad.commands == () and (bad.line, bad.column) == (3, 6)
    assert bad.where() == "line 3, col 6"


def test_every_command_is_listed_with_help_and_marks() -> None:
    assert set(VERBS) >= {"key", "mode", "dir", "temp", "bpm", "prog", "phrase", "chan",
                          "strict", "mute", "unmute", "panic", "jam"}
    assert all(help_text for _, help_text in VERBS.values())
    assert MARKS == ("@note", "@beat", "@bar", "@phrase")


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("keymodirtpbhasculnj @#;+-.0123456789DFGCb#")),
               max_size=40))
def test_no_input_raises(line: str) -> None:
    parsed = parse(line)  # never an exception, whatever a performer types
    assert parsed.ok or (parsed.error and parsed.column >= 1)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_no_unicode_input_raises(line: str) -> None:
    parse(line)
    parse_script(line)


def test_a_leading_colon_is_forgiven() -> None:
    """Typing ':' again inside the open command line is a habit, not an error."""
    assert parse(":key D minor").commands == (Change("key", "D minor"),)
    assert parse("key D minor; :dir up").commands[1] == Change("direction", "up")
    bad = parse(":kee D")
    assert not bad.ok and bad.column == 2  # the column still points at the typo
