"""``musicai-live``: the instrument. The engine lands with the live-engine issue."""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(
        prog="musicai-live",
        description="Play LSTM melodies into a MIDI port in real time (engine not built yet).",
    )


def main(argv: list[str] | None = None) -> int:
    build_parser().parse_args(argv)
    print("musicai-live: the live engine is not built yet; see the README", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
