"""``musicai-train``: train the melody models. Lands with the training issue."""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(
        prog="musicai-train",
        description="Train the seed BiLSTM or the streaming LSTM on MIDI data (not built yet).",
    )


def main(argv: list[str] | None = None) -> int:
    build_parser().parse_args(argv)
    print("musicai-train: training is not built yet; see the README", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
