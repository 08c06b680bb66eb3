"""The screen's and live coding's command-line flags, kept out of ``live/cli.py``.

``build_parser`` calls ``add_tui_arguments`` (one line); ``tui_options`` turns the parsed flags
into ``Options`` fields and ``check_tui_options`` fails at start, in one line, on a script or
take folder that could never work. No Textual import here: ``--help`` and headless runs stay
fast.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from musicai.live.errors import MusicAIError


class ScriptError(MusicAIError):
    """A ``--script`` file or ``--takes`` folder that cannot be used."""


def add_tui_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("screen and live coding")
    group.add_argument("--script", type=Path, default=None, metavar="FILE",
                       help="live-coding commands (key D minor; dir up @bar ...) applied at "
                       "start and again each time FILE is saved; works with --headless too")
    group.add_argument("--takes", type=Path, default=Path("."), metavar="DIR",
                       help="folder for the takes the r key records, as take-DATE-TIME.mid "
                       "(default: the current folder)")


def tui_options(args: argparse.Namespace) -> dict[str, object]:
    """The ``Options`` fields these flags set."""
    return {"script": args.script, "takes": args.takes}


def check_tui_options(script: Path | None, takes: Path) -> None:
    if script is not None and not script.is_file():
        what = "is a folder" if script.is_dir() else "does not exist"
        raise ScriptError(f"--script {script}: {what}; give a text file of commands "
                          "(it may start empty: touch it first)")
    if not takes.is_dir():
        raise ScriptError(f"--takes {takes}: no such folder; create it first")
