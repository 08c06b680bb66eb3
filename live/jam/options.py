"""The jamming and sync flags of ``musicai-live``, and their checks.

Kept apart from ``cli.py`` so that flag groups grow without stepping on each other:
``add_jam_arguments(parser)`` adds them, ``jam_options(args)`` checks the combination and
returns ``JamOptions`` (a bad value or combination is a ``JamError``: one line, exit 2).
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, field

from musicai.live.errors import JamError
from musicai.live.jam.cc_map import CCMap, parse_cc
from musicai.live.jam.controller import JamSetup
from musicai.live.jam.turns import MODES, check_mode
from musicai.live.theory.notes import NOTE_PATTERN, pitch_class_of

SYNCS = ("internal", "midi")
_NOTE_RE = re.compile(NOTE_PATTERN + r"(-?\d+)$")


@dataclass(frozen=True)
class JamOptions:
    input: str | None = None
    setup: JamSetup = field(default_factory=JamSetup)
    clock_out: bool = False


def _typed(read: object, name: str) -> object:
    def typed(text: str) -> object:
        try:
            return read(text)
        except (JamError, ValueError) as err:
            raise argparse.ArgumentTypeError(str(err)) from None
    typed.__name__ = name
    return typed


def midi_note(text: str) -> int:
    """A MIDI note from "C3" (middle C is C4 = 60), "F#2", "Bb-1" or a number 0..127."""
    text = text.strip()
    match = _NOTE_RE.match(text)
    if text.isdigit():
        value = int(text)
    elif match:
        value = pitch_class_of(match.group(1), match.group(2)) + 12 * (int(match.group(3)) + 1)
    else:
        raise JamError(f"{text!r} is not a note; write a name and octave like C3 (middle C is "
                       "C4) or a MIDI note number")
    if not 0 <= value <= 127:
        raise JamError(f"{text!r} is MIDI note {value}, outside 0..127")
    return value


def _channel(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= 16:
        raise JamError(f"{text} is not a MIDI channel; use 1..16")
    return int(text) - 1


def _beats(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise JamError(f"{text!r} is not a number of beats") from None
    if not 0.0 <= value <= 64.0:
        raise JamError(f"{text} beats is outside 0..64")
    return value


def add_jam_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("jamming and sync")
    g.add_argument("--input", metavar="NAME", help="MIDI input to listen to (a keyboard): "
                   "exact name, else a unique part of one; no match creates a virtual input "
                   "port of that name")
    g.add_argument("--jam", type=_typed(check_mode, "mode"), default=None, metavar="MODE",
                   help=f"what the instrument does with the input: {', '.join(MODES)} "
                   "(default: accompany)")
    g.add_argument("--response-after", type=_typed(_beats, "beats"), default=None,
                   metavar="BEATS", help="call-response: beats of silence before the answer "
                   "(default: 1)")
    g.add_argument("--chord-channel", type=_typed(_channel, "channel"), default=None,
                   metavar="N", help="notes held on this channel (1..16) set the chord")
    g.add_argument("--split", type=_typed(midi_note, "note"), default=None, metavar="NOTE",
                   help="notes held below this note (e.g. C3; middle C is C4) set the chord")
    g.add_argument("--sync", choices=SYNCS, default="internal", help="tempo source: own "
                   "clock, or MIDI clock + Start/Stop/Continue/Song Position from --input")
    g.add_argument("--clock-out", action="store_true", help="send MIDI clock (24 per "
                   "quarter) and Start/Stop on the output port, for a DAW to follow")
    g.add_argument("--cc", type=_typed(parse_cc, "cc"), default=None,
                   metavar="MAP|FILE.toml", help="controllers that steer: e.g. "
                   '"temperature=21,direction=22" (targets: temperature, direction, key, jam, '
                   "mute), or a TOML file with a [cc] table")


def jam_options(args: argparse.Namespace) -> JamOptions:
    """Check the combination; JamError names the flag that cannot be used as given."""
    needs_input = [flag for flag, value in (
        ("--jam", args.jam), ("--response-after", args.response_after),
        ("--chord-channel", args.chord_channel), ("--split", args.split), ("--cc", args.cc),
        ("--sync midi", args.sync == "midi" or None)) if value is not None]
    if args.input is None and needs_input:
        raise JamError(f"{needs_input[0]} needs --input NAME (the MIDI input to listen to)")
    if args.sync == "midi" and args.clock_out:
        raise JamError("--sync midi follows another clock; --clock-out would send one too: "
                       "choose one")
    cc: CCMap | None = args.cc
    setup = JamSetup(mode=args.jam or "accompany",
                     response_after=1.0 if args.response_after is None else args.response_after,
                     chord_channel=args.chord_channel, split=args.split, cc=cc,
                     sync=args.sync == "midi")
    return JamOptions(input=args.input, setup=setup, clock_out=args.clock_out)
