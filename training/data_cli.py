"""``musicai-data``: look at MIDI folders and build training data, no TensorFlow needed."""

from __future__ import annotations

import argparse
import sys

from musicai.live.errors import MusicAIError
from musicai.training import scan
from musicai.training.corpus import convert as corpus


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="musicai-data",
        description="Inspect MIDI files and convert the music21 corpora into training MIDI.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    scan.add_parser(commands)
    corpus.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except MusicAIError as err:
        print(f"musicai-data: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("musicai-data: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
