"""``musicai-export``: convert trained models to ONNX. Lands with the export issue."""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(
        prog="musicai-export",
        description="Convert a trained checkpoint to a self-describing ONNX model (not built yet).",
    )


def main(argv: list[str] | None = None) -> int:
    build_parser().parse_args(argv)
    print("musicai-export: export is not built yet; see the README", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
