"""The live-coding language: a line of text (or a script) -> engine commands, or an error.

    key D minor; dir up @bar     # several statements per line, a comment after '#'
    temp +0.1; bpm 96; prog ii-V-I @phrase

A statement is a command word, its arguments and at most one quantisation mark deciding when
it lands: ``@note`` (the default: the next note), ``@beat``, ``@bar`` or ``@phrase``. A line
is all or nothing: the first problem comes back as a value (message and 1-based column) and
no command of that line is sent; no exception leaves ``parse``. Pure: no Textual, no engine.
Relative forms (``key next``, ``temp +0.1``, ``mode dorian``) start from a ``Context`` that
the caller builds from the engine's snapshot; the line's own statements update it in order.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass

from musicai.live.engine.commands import WHEN, Action, Change, Command
from musicai.live.engine.tempo import MAX_BPM, MIN_BPM, check_bpm
from musicai.live.errors import MusicAIError
from musicai.live.sampler.settings import DIRECTIONS, SamplerSettings
from musicai.live.theory.chords import parse_progression
from musicai.live.theory.keys import MODES, Key, mode_name

Token = tuple[str, int]  # (text, 1-based column)
_DEFAULTS = SamplerSettings()
_STEPS = {"next": 1, "prev": -1, "up": 1, "down": -1}


@dataclass(frozen=True)
class Context:
    """Where relative commands start from (the engine's current values)."""

    key: Key = _DEFAULTS.key
    temperature: float = 1.0
    bpm: float = 120.0
    muted: bool = False
    direction: str = "auto"


@dataclass(frozen=True)
class Parsed:
    """The commands of a line (or script), or why there are none."""

    commands: tuple[Command, ...] = ()
    context: Context = Context()
    error: str = ""
    column: int = 0  # 1-based column of the error, 0 when there is none
    line: int = 0  # 1-based line of the error in a script, 0 for a single line

    @property
    def ok(self) -> bool:
        return not self.error

    def where(self) -> str:
        """``col 5`` or ``line 3, col 5``: where the error is, for one status line."""
        return (f"line {self.line}, " if self.line else "") + f"col {self.column}"


class _Bad(Exception):
    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.message, self.column = message, column


Handler = Callable[[list[Token], Context, str, int], tuple[list[Command], Context]]


def parse(line: str, context: Context | None = None) -> Parsed:
    """Read one line; a bad statement makes the whole line an error value."""
    start = context or Context()
    commands: list[Command] = []
    ctx = start
    try:
        code = _strip_comment(line)
        for match in re.finditer(r"[^;]+", code):
            made, ctx = _statement(_tokens(match.group(), match.start()), ctx)
            commands += made
    except _Bad as bad:
        return Parsed(context=start, error=bad.message, column=bad.column)
    return Parsed(tuple(commands), ctx)


def parse_script(text: str, context: Context | None = None) -> Parsed:
    """Read a whole script, line by line; the first bad line makes it all an error."""
    commands: list[Command] = []
    ctx = context or Context()
    for number, line in enumerate(text.splitlines(), 1):
        result = parse(line, ctx)
        if not result.ok:
            return dataclasses.replace(result, line=number, context=context or Context())
        commands += result.commands
        ctx = result.context
    return Parsed(tuple(commands), ctx)


def _strip_comment(line: str) -> str:
    """'#' starts a comment at the line start or after a space ('F#' is a note, not one)."""
    match = re.search(r"(^|\s)#", line)
    return line if match is None else line[: match.start()]


def _tokens(text: str, offset: int) -> list[Token]:
    """Words with their 1-based columns; a leading ':' (the habit of typing the key that opened
    the line) is forgiven."""
    tokens = [(m.group(), offset + m.start() + 1) for m in re.finditer(r"\S+", text)]
    if tokens and tokens[0][0].startswith(":"):
        word, column = tokens[0]
        tokens[0:1] = [(word[1:], column + 1)] if len(word) > 1 else []
    return tokens


def _statement(tokens: list[Token], ctx: Context) -> tuple[list[Command], Context]:
    if not tokens:
        return [], ctx
    marks = [t for t in tokens if t[0].startswith("@")]
    words = [t for t in tokens if not t[0].startswith("@")]
    when = "note"
    for text, col in marks:
        if text[1:].lower() not in WHEN:
            raise _Bad(f"unknown mark {text!r}; use {', '.join('@' + w for w in WHEN)}", col)
        if len(marks) > 1:
            raise _Bad("one @mark per statement (separate statements with ';')", col)
        when = text[1:].lower()
    if not words:
        raise _Bad("a mark needs a command, e.g. 'key D minor @bar'", marks[0][1])
    verb, col = words[0][0].lower(), words[0][1]
    name = ALIASES.get(verb, verb)
    if name not in VERBS:
        close = difflib.get_close_matches(verb, [*VERBS, *ALIASES], n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise _Bad(f"unknown command {verb!r}; {hint}commands: {', '.join(VERBS)}", col)
    if marks and name in ("panic",):
        raise _Bad(f"{name} happens at once; it takes no @mark", marks[0][1])
    try:
        return VERBS[name][0](words[1:], ctx, when, col)
    except _Bad:
        raise
    except (MusicAIError, ValueError, TypeError, KeyError, IndexError, OverflowError) as err:
        raise _Bad(f"{name}: {err}", words[1][1] if len(words) > 1 else col) from None


# arguments ------------------------------------------------------------------------------------
def _text(args: list[Token], col: int, verb: str) -> str:
    if not args:
        raise _Bad(f"{verb} needs a value: {VERBS[verb][1]}", col)
    return " ".join(text for text, _ in args)


def _one(args: list[Token], col: int, verb: str) -> Token:
    _text(args, col, verb)
    if len(args) > 1:
        raise _Bad(f"{verb} takes one value: {VERBS[verb][1]}", args[1][1])
    return args[0]


def _number(token: Token, verb: str, kind: type = float) -> float:
    try:
        return kind(token[0])
    except ValueError:
        raise _Bad(f"{verb} needs a number ({VERBS[verb][1]}), not {token[0]!r}",
                   token[1]) from None


def _checked(field: str, value: object, column: int) -> object:
    """Let ``SamplerSettings`` judge one value (its messages name the range)."""
    try:
        dataclasses.replace(_DEFAULTS, **{field: value})
    except MusicAIError as err:
        raise _Bad(str(err), column) from None
    return value


# the commands ---------------------------------------------------------------------------------
def _key(args, ctx, when, col):
    text = _text(args, col, "key")
    step = _STEPS.get(text.lower())
    if step is None and re.fullmatch(r"[+-]\d+", text):
        step = int(text)
    try:
        key = ctx.key.fifth_up(step) if step is not None else Key.parse(text)
    except MusicAIError:
        raise _Bad(f"unknown key {text!r}; write e.g. D minor, F# dorian, Bb mixo, C#m, "
                   "or next/prev", args[0][1]) from None
    return [Change("key", key.name, when)], dataclasses.replace(ctx, key=key)


def _mode(args, ctx, when, col):
    text = _text(args, col, "mode")
    names = list(MODES)
    if text.lower() in _STEPS:
        mode = names[(names.index(ctx.key.mode) + _STEPS[text.lower()]) % len(names)]
    else:
        mode = mode_name(text)
    key = Key(ctx.key.tonic, mode)
    return [Change("key", key.name, when)], dataclasses.replace(ctx, key=key)


def _dir(args, ctx, when, col):
    text, at = _one(args, col, "dir")
    value = {"flat": "none", "off": "none"}.get(text.lower(), text.lower())
    if value not in DIRECTIONS:
        raise _Bad(f"dir is one of {', '.join(DIRECTIONS)}, not {text!r}", at)
    return [Change("direction", value, when)], dataclasses.replace(ctx, direction=value)


def _temp(args, ctx, when, col):
    token = _one(args, col, "temp")
    value = _number(token, "temp")
    if token[0][0] in "+-":
        value = min(20.0, max(0.05, round(ctx.temperature + value, 3)))
    _checked("temperature", value, token[1])
    return [Change("temperature", value, when)], dataclasses.replace(ctx, temperature=value)


def _bpm(args, ctx, when, col):
    token = _one(args, col, "bpm")
    value = _number(token, "bpm")
    if token[0][0] in "+-":
        value = min(MAX_BPM, max(MIN_BPM, ctx.bpm + value))
    try:
        check_bpm(value)
    except MusicAIError as err:
        raise _Bad(str(err), token[1]) from None
    return [Change("bpm", value, when)], dataclasses.replace(ctx, bpm=value)


def _prog(args, ctx, when, col):
    text = _text(args, col, "prog")
    if text.lower() in ("default", "none", "off"):
        return [Change("progression", (), when)], ctx
    numerals = parse_progression(text)
    return [Change("progression", "-".join(str(n) for n in numerals), when)], ctx


def _phrase(args, ctx, when, col):
    _text(args, col, "phrase")
    if len(args) == 2 and args[1][0].lower() in ("bar", "bars"):
        bars = int(_number(args[0], "phrase", int))
        return [Change("phrase_bars", _checked("phrase_bars", bars, args[0][1]), when)], ctx
    notes = int(_number(_one(args, col, "phrase"), "phrase", int))
    _checked("phrase_length", notes, args[0][1])
    return [Change("phrase_bars", 0, when), Change("phrase_length", notes, when)], ctx


def _chan(args, ctx, when, col):
    token = _one(args, col, "chan")
    channel = int(_number(token, "chan", int))
    if not 1 <= channel <= 16:
        raise _Bad(f"chan {channel} is not a MIDI channel; use 1..16", token[1])
    return [Change("channel", channel - 1, when)], ctx


def _strict(args, ctx, when, col):
    token = _one(args, col, "strict")
    value = _checked("strictness", _number(token, "strict"), token[1])
    return [Change("strictness", value, when)], ctx


def _mute(value: bool) -> Handler:
    def handler(args, ctx, when, col):
        if args:
            raise _Bad(f"{'mute' if value else 'unmute'} takes no value", args[0][1])
        return [Change("mute", value, when)], dataclasses.replace(ctx, muted=value)
    return handler


def _panic(args, ctx, when, col):
    if args:
        raise _Bad("panic takes no value", args[0][1])
    return [Action("panic")], ctx


def _jam(args, ctx, when, col):
    text, at = _one(args, col, "jam")
    if not re.fullmatch(r"[a-z][a-z0-9-]*", text.lower()):
        raise _Bad(f"jam needs a mode name like call-response or off, not {text!r}", at)
    return [Change("jam", text.lower(), when)], ctx


def _set(args, ctx, when, col):
    if len(args) < 2:
        raise _Bad(f"set needs a setting and a value: {VERBS['set'][1]}", col)
    name, at = args[0][0].lower(), args[0][1]
    fields = {f.name: f for f in dataclasses.fields(SamplerSettings)}
    if name not in fields:
        close = difflib.get_close_matches(name, fields, n=1)
        raise _Bad(f"no setting {name!r}" + (f"; did you mean {close[0]!r}?" if close else
                   f"; settings: {', '.join(fields)}"), at)
    kind = type(getattr(_DEFAULTS, name))
    rest = args[1:]
    value = (_number(_one(rest, col, "set"), "set", kind) if kind in (int, float)
             else " ".join(t for t, _ in rest))
    if name == "key":
        return _key(rest, ctx, when, col)
    return [Change(name, value, when)], ctx


#: name -> (handler, what it takes); the order is the order help and completion list them.
VERBS: dict[str, tuple[Handler, str]] = {
    "key": (_key, "a key like 'D minor', or next/prev/+2 around the circle of fifths"),
    "mode": (_mode, f"one of {', '.join(MODES)}, or next/prev"),
    "dir": (_dir, f"one of {', '.join(DIRECTIONS)}"),
    "temp": (_temp, "a temperature like 0.8, or +0.1/-0.1"),
    "bpm": (_bpm, f"a tempo {MIN_BPM:g}..{MAX_BPM:g}, or +4/-4"),
    "prog": (_prog, "Roman numerals like ii-V-I, or default"),
    "phrase": (_phrase, "notes per phrase like 8, or '4 bars'"),
    "chan": (_chan, "a MIDI channel 1..16"),
    "strict": (_strict, "key strictness 0..1"),
    "mute": (_mute(True), "nothing"),
    "unmute": (_mute(False), "nothing"),
    "panic": (_panic, "nothing"),
    "jam": (_jam, "a jam mode like call-response, or off"),
    "set": (_set, "any sampler setting and a value, e.g. set contour 2"),
}
ALIASES = {"direction": "dir", "temperature": "temp", "tempo": "bpm", "progression": "prog",
           "channel": "chan", "strictness": "strict", "scale": "mode"}
#: The words each command's first argument may be, for completion.
ARGUMENTS: dict[str, tuple[str, ...]] = {
    "key": ("next", "prev"), "mode": (*MODES, "next", "prev"), "dir": DIRECTIONS,
    "prog": ("default", "I-IV-V-I", "ii-V-I", "I-V-vi-IV", "i-iv-v-i"),
    "jam": ("call-response", "off"), "set": tuple(f.name for f in dataclasses.fields(
        SamplerSettings)),
}
MARKS = tuple("@" + w for w in WHEN)
