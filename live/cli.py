"""``musicai-live``: the instrument on the command line.

Every bad value (an unknown key, bpm 0, channel 17, a model file that is not ours, a port that
cannot be opened) is one line on stderr and exit status 2, never a traceback; the wiring and the
run itself are ``live/session.py``.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import NoReturn

from musicai.live import render
from musicai.live.encoding.vocab import STYLES
from musicai.live.errors import MusicAIError
from musicai.live.jam.options import add_jam_arguments, jam_options
from musicai.live.midi.discovery import BACKENDS
from musicai.live.primer import read_primer
from musicai.live.session import DEFAULT_MODEL, Options
from musicai.live.tui.options import add_tui_arguments, tui_options

PROG = "musicai-live"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line, not argparse's usage block: what was wrong and where to look."""
        self.exit(2, f"{PROG}: {message} (see {PROG} --help)\n")


def _channel(text: str) -> int:
    value = int(text) if text.strip().lstrip("-").isdigit() else -1
    if not 1 <= value <= 16:
        raise argparse.ArgumentTypeError(f"{text} is not a MIDI channel; use 1..16")
    return value


def _positive(kind: type) -> object:
    def read(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text} must be above 0")
        return value
    read.__name__ = kind.__name__
    return read


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Play AI melodies into a MIDI port in real time, "
                "steered by a music-theory sampler.")
    p.add_argument("--port", help="output port: exact name, else a unique case-insensitive "
                   "part of one; no match creates a virtual port of that name "
                   "(default: a virtual port 'MusicAI')")
    p.add_argument("--backend", choices=tuple(BACKENDS), help="MIDI system (default: "
                   "$MUSICAI_MIDI_BACKEND, else ALSA/JACK on Linux, CoreMIDI, Windows MM)")
    p.add_argument("--list-ports", action="store_true", help="list the backend's MIDI ports")
    p.add_argument("--model", default=None, metavar="PATH|none",
                   help=f"ONNX model file, or 'none' for theory only (default: {DEFAULT_MODEL})")
    p.add_argument("--key", default=None, help='key and mode, e.g. "D minor", "F# dorian" '
                   "(default: C major, or the primer's key)")
    p.add_argument("--bpm", type=float, default=None,
                   help="tempo 20..400 (default: 120, or the primer's tempo)")
    p.add_argument("--direction", choices=("auto", "up", "down", "none"), default="auto",
                   help="melodic direction")
    p.add_argument("--temperature", type=_positive(float), default=1.0,
                   help="sampling temperature (above 0; lower is safer)")
    p.add_argument("--progression", default=None, help='Roman numerals, e.g. "I-V-vi-IV" '
                   "(default: the key's usual one)")
    p.add_argument("--form", default="AABA", help="phrase form: AABA, ABAC, AABB, ABAB, any "
                   "2..8 letters A-H, or free (default AABA; phrases of 4 bars)")
    p.add_argument("--repeat", type=float, default=0.7, metavar="0..1",
                   help="how much earlier bars and phrases come back (0: never; default 0.7)")
    p.add_argument("--density", type=float, default=6.5, metavar="N",
                   help="notes per bar the rhythm aims at, 1..16, or 0 for off (default 6.5)")
    p.add_argument("--style", default=None, choices=STYLES,
                   help="the collection a model trained with styles imitates: bach (chorale "
                   "voices), essen (folk songs), oneills, ryans, airds (fiddle tunes), or any "
                   "(the whole mix, the default)")
    p.add_argument("--channel", type=_channel, default=1, help="MIDI channel 1..16")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: a new one, "
                   "printed and written into the take)")
    p.add_argument("--bars", type=_positive(int), default=None,
                   help="stop after this many bars (default: play until Ctrl-C)")
    p.add_argument("--headless", action="store_true", help="print one line per note "
                   "(automatic when stdout is not a terminal)")
    p.add_argument("--record", type=Path, default=None, metavar="FILE.mid",
                   help="write the take to a MIDI file (kept current every few seconds)")
    p.add_argument("--render", type=Path, default=None, metavar="OUT.mid|DIR/",
                   help="no MIDI system, no waiting: write the take to a file as fast as it "
                   f"can be made (--bars, default {render.DEFAULT_BARS}) and exit")
    p.add_argument("--count", type=_positive(int), default=1, metavar="K",
                   help="with --render DIR/: K takes, seeds s..s+K-1, named by seed and key")
    p.add_argument("--primer", type=Path, default=None, metavar="FILE.mid",
                   help="a melody to continue: fed through the model before the first note; "
                   "its key is used unless --key is given")
    p.add_argument("--primer-track", type=_positive(int), default=None, metavar="N",
                   help="which part of the primer file (1-based; default the first)")
    add_jam_arguments(p)
    add_tui_arguments(p)
    return p


def options_from(args: argparse.Namespace) -> Options:
    """Check every value before anything opens; MusicAIError names the bad one."""
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
    _check_render_flags(args)
    primer = read_primer(args.primer, args.primer_track) if args.primer is not None else None
    key = args.key if args.key is not None else (primer.key if primer and primer.key
                                                 else "C major")
    bpm = args.bpm if args.bpm is not None else (primer.bpm if primer and primer.bpm else 120.0)
    rendering = args.render is not None
    return Options(
        port=args.port, backend=args.backend, model=args.model, key=key, bpm=bpm,
        direction=args.direction, temperature=args.temperature, progression=args.progression,
        form=args.form, repeat=args.repeat, density=args.density,
        channel=args.channel - 1, seed=seed, bars=args.bars, record=args.record,
        jam=jam_options(args), primer=primer, style=args.style,
        headless=rendering or args.headless or not (sys.stdout.isatty() and sys.stderr.isatty()),
        **tui_options(args),
    ).checked()


def _check_render_flags(args: argparse.Namespace) -> None:
    def fail(message: str) -> NoReturn:
        build_parser().error(message)

    if args.primer_track is not None and args.primer is None:
        fail("--primer-track picks a part of --primer FILE.mid; give --primer too")
    if args.render is None:
        if args.count != 1:
            fail("--count renders K takes; give --render DIR/ too")
        return
    if args.record is not None:
        fail("--render writes its own file; drop --record (or play live with --record)")
    if args.input is not None:
        fail("--render plays no live input; drop --input (or play live)")


def main(argv: list[str] | None = None) -> int:
    from musicai.live import session

    args = build_parser().parse_args(argv)
    try:
        if args.list_ports:
            return session.list_ports(args.backend)
        options = options_from(args)
        if args.render is not None:
            return render.run(options, args.render, args.count)
        if options.headless:
            return session.run(options)
        from musicai.live.screen_engine import child_main
        from musicai.live.tui.link import run_on_screen

        return run_on_screen(options, child_main)
    except MusicAIError as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # outside a performance (its own handler stops the engine)
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
