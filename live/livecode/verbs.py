"""The commands of the live-coding language: each verb's handler, its help, its aliases and
the words completion offers. A handler reads its arguments and the ``Context`` and returns the
engine commands and the context after them; a bad argument raises ``BadStatement`` with its
column."""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Callable

from musicai.live.encoding.vocab import STYLES
from musicai.live.engine.commands import WHEN, Action, Change, Command
from musicai.live.engine.tempo import MAX_BPM, MIN_BPM, check_bpm
from musicai.live.errors import MusicAIError
from musicai.live.livecode.words import DEFAULTS as _DEFAULTS
from musicai.live.livecode.words import BadStatement as _Bad
from musicai.live.livecode.words import Context, Token
from musicai.live.sampler.settings import DIRECTIONS, FORMS, SamplerSettings
from musicai.live.theory.chords import parse_progression
from musicai.live.theory.keys import MODES, Key, mode_name

_STEPS = {"next": 1, "prev": -1, "up": 1, "down": -1}

Handler = Callable[[list[Token], Context, str, int], tuple[list[Command], Context]]




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
    # phrases counted in notes have no bars for a form to restate: the form goes free
    return [Change("phrase_bars", 0, when), Change("phrase_length", notes, when),
            Change("form", "free", when)], ctx


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


def _form(args, ctx, when, col):
    token = _one(args, col, "form")
    text = token[0]
    step = _STEPS.get(text.lower())
    if step is not None:  # form next / prev: around the named forms
        at = FORMS.index(ctx.form) if ctx.form in FORMS else -1
        text = FORMS[(at + step) % len(FORMS)]
    value = str(_checked("form", text, token[1]))
    value = "free" if value.lower() == "free" else value.upper()
    return [Change("form", value, when)], dataclasses.replace(ctx, form=value)


def _knob(verb: str, setting: str) -> Handler:
    """A number setting: repeat, density, mutate; ``+0.1``/``-1`` move from the current value
    (repeat and density), ``off`` is 0."""
    def handler(args, ctx, when, col):
        token = _one(args, col, verb)
        text = token[0].lower()
        value = 0.0 if text == "off" else _number(token, verb)
        if text[:1] in "+-" and hasattr(ctx, setting):
            value = getattr(ctx, setting) + value
            if setting == "repeat":
                value = min(max(round(value, 3), 0.0), 1.0)
            elif setting == "density":
                value = min(max(value, 1.0), 16.0)
        value = _checked(setting, value, token[1])
        changed = dataclasses.replace(ctx, **{setting: value}) if hasattr(ctx, setting) else ctx
        return [Change(setting, value, when)], changed
    return handler


def _loop(args, ctx, when, col):
    token = _one(args, col, "loop")
    bars = 0 if token[0].lower() == "off" else int(_number(token, "loop", int))
    return [Change("loop", _checked("loop", bars, token[1]), when)], ctx


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


def _style(args, ctx, when, col):
    token = _one(args, col, "style")
    name = token[0].lower()
    step = _STEPS.get(name)
    if step is not None:  # style next / prev: around the collections
        at = (STYLE_CYCLE.index(ctx.style) if ctx.style in STYLE_CYCLE
              else -1 if step > 0 else 0)  # from none chosen: next is the first, prev the last
        name = STYLE_CYCLE[(at + step) % len(STYLE_CYCLE)]
    if name not in STYLES:
        raise _Bad(f"style {token[0]} is not one of {', '.join(STYLES)}, next or prev",
                   token[1])
    return [Change("style", name, when)], dataclasses.replace(ctx, style=name)


STYLE_CYCLE = STYLES[1:]  # the collections, for next / prev


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
    "form": (_form, f"{', '.join(FORMS)}, or any 2..8 letters A-H"),
    "repeat": (_knob("repeat", "repeat"), "how much earlier bars come back, 0..1"),
    "density": (_knob("density", "density"), "notes per bar 1..16, or off"),
    "loop": (_loop, "replay the last N bars (1..16), or off"),
    "mutate": (_knob("mutate", "mutate"), "share of looped notes changed each pass, 0..1"),
    "style": (_style, f"the collection a style-trained model imitates: {', '.join(STYLES)}"),
    "set": (_set, "any sampler setting and a value, e.g. set contour 2"),
}
ALIASES = {"direction": "dir", "temperature": "temp", "tempo": "bpm", "progression": "prog",
           "channel": "chan", "strictness": "strict", "scale": "mode"}
#: The words each command's first argument may be, for completion.
ARGUMENTS: dict[str, tuple[str, ...]] = {
    "key": ("next", "prev"), "mode": (*MODES, "next", "prev"), "dir": DIRECTIONS,
    "prog": ("default", "I-IV-V-I", "ii-V-I", "I-V-vi-IV", "i-iv-v-i"),
    "jam": ("call-response", "off"), "form": FORMS, "loop": ("1", "2", "4", "off"),
    "density": ("4", "6.5", "8", "off"), "style": (*STYLES, "next", "prev"),
    "set": tuple(f.name for f in dataclasses.fields(SamplerSettings)),
}
MARKS = tuple("@" + w for w in WHEN)

