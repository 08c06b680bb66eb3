"""``musicai-export``: a trained checkpoint -> a verified, self-describing ONNX model.

    musicai-export CHECKPOINT --out models/NAME.onnx [--opset 17] [--quantize] [--data DIR]
    musicai-export --verify FILE [--checkpoint DIR] [--data DIR]

Arguments are checked before TensorFlow is imported, so ``--help``, a missing checkpoint and a
missing extra are instant one-line answers. Exit codes: 0 done, 1 export or verification
failed (nothing written), 2 usage error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path

from musicai.export.errors import MissingExtraError, UsageError, VerificationError
from musicai.live.errors import MusicAIError

PROG = "musicai-export"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Convert a musicai-train checkpoint to a self-describing ONNX model "
        "(seed: a window graph; stream: a step graph with explicit LSTM states), verify it "
        "against Keras, and optionally quantise it to int8. `--verify FILE` checks an "
        "exported file.",
    )
    p.add_argument("checkpoint", type=Path, nargs="?",
                   help="a musicai-train --out folder (config.json + best.weights.h5)")
    p.add_argument("--out", type=Path, help="the model file to write, e.g. models/NAME.onnx")
    p.add_argument("--opset", type=int, default=17, help="ONNX opset (14..18, default 17)")
    p.add_argument("--quantize", action="store_true",
                   help="also write an int8 (dynamic) model, NAME.int8.onnx beside --out, and "
                        "report its NLL and latency change")
    p.add_argument("--int8-out", type=Path, help="where --quantize writes (default NAME.int8.onnx)")
    p.add_argument("--force", action="store_true", help="replace existing output files")
    p.add_argument("--verify", type=Path, metavar="FILE",
                   help="check an exported model instead of exporting one")
    p.add_argument("--checkpoint", type=Path, dest="checkpoint_opt", metavar="DIR",
                   help="with --verify: the checkpoint to compare against (parity with Keras)")
    p.add_argument("--data", type=Path, metavar="DIR",
                   help="MIDI folder the model was trained on: verify and score on its held-out "
                        "melodies (default: deterministic synthetic melodies)")
    p.add_argument("--cache", type=Path, metavar="DIR",
                   help="cache folder for encoded MIDI (default ~/.cache/musicai)")
    p.add_argument("--sequences", type=int, default=16, metavar="N",
                   help="melodies to verify and score on (default 16)")
    p.add_argument("--tolerance", type=float, default=1e-5,
                   help="largest allowed |probability difference| vs Keras (default 1e-5)")
    return p


def require(modules: tuple[str, ...], purpose: str) -> None:
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise MissingExtraError(f"{purpose} needs the train extra ({', '.join(missing)} "
                                f"missing): pip install 'musicai[train]'")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def run(args: argparse.Namespace) -> int:
    from musicai.export.checkpoint import check_folder
    from musicai.export.convert import ExportOptions, check_opset, check_out, export, verify

    if args.sequences < 1:
        raise UsageError(f"--sequences must be at least 1, not {args.sequences}")
    options = ExportOptions(opset=args.opset, quantize=args.quantize, int8_out=args.int8_out,
                            data=args.data, cache_dir=args.cache, sequences=args.sequences,
                            tolerance=args.tolerance, force=args.force)
    if args.data is not None and not args.data.is_dir():
        raise UsageError(f"{args.data}: no such data folder; point --data at a folder of MIDI "
                         f"files")
    if args.verify is not None:
        if args.out or args.quantize:
            raise UsageError("--verify checks a file; --out and --quantize belong to an export")
        checkpoint = args.checkpoint_opt or args.checkpoint
        if checkpoint is not None:
            check_folder(checkpoint)
            require(("keras", "tensorflow", "onnx"), "comparing with a checkpoint")
        else:
            require(("onnx",), "verifying")
        print("\n".join(verify(args.verify, checkpoint, options)))
        return 0
    if args.checkpoint is None or args.out is None:
        raise UsageError("pass a CHECKPOINT folder and --out models/NAME.onnx "
                         "(or --verify FILE); see --help")
    check_folder(args.checkpoint)
    check_out(args.out, args.force)
    check_opset(args.opset)
    require(("keras", "tensorflow", "tf2onnx", "onnx"), "exporting")
    result = export(args.checkpoint, args.out, options)
    print("\n".join(result.lines()))
    print(f"{PROG}: wrote {result.report.path}"
          + (f" and {result.quant.path}" if result.quant else ""))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except UsageError as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        return 2
    except VerificationError as err:
        print("\n".join(err.details))
        print(f"{PROG}: {err}", file=sys.stderr)
        return 1
    except MusicAIError as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; nothing was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
