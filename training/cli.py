"""``musicai-train``: train the seed BiLSTM or the streaming LSTM, and score checkpoints.

    musicai-train --data DIR --arch seed|stream --out DIR [--preset tiny] [--epochs N] ...
    musicai-train evaluate CHECKPOINT --data DIR [--keys written|tonic]
    musicai-train compare RUN [RUN ...] --out FIGURE.png

TensorFlow/Keras are imported only after the arguments are checked, so ``--help`` and usage
errors are instant, and a missing ``train`` extra is one line, not a traceback.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from dataclasses import replace
from pathlib import Path

from musicai.live.errors import MusicAIError
from musicai.training.config import ARCHITECTURES, AUGMENTS, PRESETS, TrainConfig, make_config
from musicai.training.errors import MissingExtraError, UsageError


def parse_transpositions(text: str) -> tuple[int, ...]:
    """'-3..3' or '-2,0,2' -> semitone shifts."""
    try:
        if ".." in text:
            lo, hi = (int(x) for x in text.split("..", 1))
            return tuple(range(lo, hi + 1))
        return tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError as err:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a transposition set; write '-3..3' or '-2,0,2'"
        ) from err


def build_train_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="musicai-train",
        description="Train a melody model on a folder of MIDI files. "
        "`musicai-train evaluate CHECKPOINT --data DIR` scores a trained one on held-out pieces; "
        "`musicai-train compare RUN... --out FIG.png` draws runs' validation curves together.",
    )
    p.add_argument("--data", type=Path, required=True,
                   help="folder of MIDI files (searched recursively)")
    p.add_argument("--arch", choices=ARCHITECTURES, required=True,
                   help="seed: the seed's BiLSTM (window -> next event); stream: causal LSTM stack")
    p.add_argument("--out", type=Path, required=True,
                   help="output folder for weights, history, plots")
    p.add_argument("--preset", choices=sorted(PRESETS), default="full",
                   help="model size and schedule (tiny: seconds, for tests)")
    p.add_argument("--epochs", type=int, help="maximum epochs (early stopping usually ends sooner)")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--learning-rate", type=float)
    p.add_argument("--window", type=int, help="seed: events of context per example")
    p.add_argument("--sequence-length", type=int, help="stream: events per training sequence")
    p.add_argument("--units", type=int, help="LSTM units per layer")
    p.add_argument("--layers", type=int, help="stream: stacked LSTM layers")
    p.add_argument("--transpositions", type=parse_transpositions,
                   help="augmentation shifts in semitones, e.g. '-5..6' (default: all 12 "
                        "keys) or '0'")
    p.add_argument("--augment", choices=AUGMENTS,
                   help="random: one shift per example per epoch (default); all: every shift; "
                        "tonic: none, every melody moved to a tonic of C (an experiment: "
                        "live cannot play such a model)")
    p.add_argument("--val-fraction", type=float, help="share of tunes held out (default 0.1)")
    p.add_argument("--steps-per-epoch", type=int, help="cap batches per epoch (a time budget)")
    p.add_argument("--validation-steps", type=int,
                   help="cap validation batches: a fixed random sample of held-out examples")
    p.add_argument("--seed", type=int, help="random seed (default 1234)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out")
    p.add_argument("--time-budget", type=float, metavar="MINUTES",
                   help="stop at the end of the last epoch that fits in MINUTES of wall time")
    p.add_argument("--cache", type=Path,
                   help="cache folder for encoded MIDI (default ~/.cache/musicai)")
    p.add_argument("--data-parallel", action="store_true",
                   help="split batches over every visible device (JAX backend, several GPUs)")
    return p


def build_evaluate_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="musicai-train evaluate",
                                description="Held-out NLL and accuracies of a trained model.")
    p.add_argument("checkpoint", type=Path, help="a musicai-train --out folder")
    p.add_argument("--data", type=Path, required=True, help="the MIDI folder it was trained on")
    p.add_argument("--cache", type=Path)
    p.add_argument("--keys", choices=("written", "tonic"),
                   help="score the held-out melodies in their written keys or each moved to a "
                        "tonic of C (default: as the model was trained); only the default "
                        "is written to heldout.json")
    return p


def build_compare_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="musicai-train compare",
                                description="Several runs' validation curves in one figure.")
    p.add_argument("runs", type=Path, nargs="+", help="musicai-train --out folders")
    p.add_argument("--out", type=Path, required=True, help="the figure to write (.png)")
    p.add_argument("--title", default="", help="a title above the figure")
    p.add_argument("--force", action="store_true", help="replace an existing --out file")
    return p


def run_compare(args: argparse.Namespace) -> int:
    """Checked before matplotlib loads: every run has a history and the figure is new."""
    from musicai.training.history_plot import plot_runs

    histories = {}
    for run in args.runs:
        if not (run / "history.csv").is_file():
            raise UsageError(f"{run}: no history.csv there; pass musicai-train --out folders")
        histories[run.name if run.name not in histories else str(run)] = run / "history.csv"
    if args.out.suffix.lower() != ".png":
        raise UsageError(f"{args.out}: the figure is a PNG; name it NAME.png")
    if args.out.exists() and not args.force:
        raise UsageError(f"{args.out}: already exists; pass --force to replace it")
    if not args.out.parent.is_dir():
        raise UsageError(f"{args.out.parent}: no such folder; create it or choose another --out")
    try:
        plot_runs(histories, args.out, args.title)
    except OSError as err:
        raise UsageError(f"{args.out}: cannot write it ({err.strerror or err})") from err
    print(f"musicai-train: wrote {args.out}")
    return 0


def require_train_extra() -> None:
    missing = [m for m in ("keras", "matplotlib") if importlib.util.find_spec(m) is None]
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    if importlib.util.find_spec(backend) is None:
        missing.append(backend)
    if missing:
        raise MissingExtraError(
            f"training needs the train extra ({', '.join(missing)} missing): "
            f"pip install 'musicai[train]'"
        )
    from musicai.training.quiet import import_keras_quietly

    import_keras_quietly()


def run_train(args: argparse.Namespace) -> int:
    if args.resume:
        return run_resume(args)
    if args.augment == "tonic" and args.transpositions is not None:
        raise UsageError("--transpositions has no effect with --augment tonic (every melody is "
                         "moved to C); drop one of them")
    config = make_config(
        args.arch, args.preset, epochs=args.epochs, batch_size=args.batch_size,
        learning_rate=args.learning_rate, window=args.window,
        sequence_length=args.sequence_length, transpositions=args.transpositions,
        augment=args.augment, validation_fraction=args.val_fraction,
        steps_per_epoch=args.steps_per_epoch, validation_steps=args.validation_steps,
        seed=args.seed, stream_layers=args.layers,
        **({"seed_units" if args.arch == "seed" else "stream_units": args.units}),
    )
    for name in ("epochs", "batch_size", "window", "sequence_length", "units", "layers"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be at least 1, not {value}")
    return _train_and_report(args, config)


def _train_and_report(args: argparse.Namespace, config: TrainConfig) -> int:
    if args.time_budget is not None and args.time_budget <= 0:
        raise UsageError(f"--time-budget must be more than 0 minutes, not {args.time_budget:g}")
    require_train_extra()
    from musicai.training.train import train

    result = train(args.data, args.out, config, resume=args.resume, cache_dir=args.cache,
                   verbose=1 if sys.stdout.isatty() else 2, data_parallel=args.data_parallel,
                   time_budget_minutes=args.time_budget)
    if result.epochs_run >= config.epochs and result.train_seconds == 0:
        print(f"musicai-train: nothing to do: {result.out} already has {result.epochs_run} "
              f"epochs; raise --epochs to train on")
        return 0
    state = {"interrupted": "interrupted; best weights so far kept",
             "early stopping": "stopped early (no better validation loss for "
                               f"{config.early_stopping_patience} epochs)",
             "time budget": f"stopped at the time budget ({args.time_budget or 0:g} min)",
             "nan": "stopped: the loss became NaN; best weights so far kept",
             }.get(result.stopped_by, "done")
    print(f"musicai-train: {state}: {result.epochs_run} epochs, best val_loss "
          f"{result.best_val_loss:.4f} at epoch {result.best_epoch}, "
          f"{result.targets_per_second:,.0f} targets/s -> {result.out}")
    return 130 if result.interrupted else 0


def run_resume(args: argparse.Namespace) -> int:
    """Continue a run with its saved config; only --epochs may be raised."""
    from musicai.training.config import TrainConfig

    config_path = args.out / "config.json"
    if not config_path.exists():
        raise UsageError(f"{args.out}: nothing to resume (no config.json there)")
    config = TrainConfig.load(config_path)
    if args.epochs is not None:
        config = replace(config, epochs=args.epochs)
    return _train_and_report(args, config)


def run_evaluate(args: argparse.Namespace) -> int:
    require_train_extra()
    from musicai.training.heldout import evaluate, evaluate_model_file, write_metrics

    if Path(args.checkpoint).suffix == ".onnx":  # an exported model: scored as it plays live
        if args.keys is not None:
            raise UsageError("--keys applies to a checkpoint folder; an .onnx model is scored "
                             "in the written keys, as it plays live")
        metrics = evaluate_model_file(Path(args.checkpoint), args.data, cache_dir=args.cache)
        path = None
    else:
        metrics = evaluate(args.checkpoint, args.data, cache_dir=args.cache, keys=args.keys)
        path = write_metrics(args.checkpoint, metrics) if args.keys is None else None
    print(f"held-out targets   {metrics.targets}")
    print(f"NLL (nats/event)   {metrics.nll:.4f}  (pitch {metrics.pitch_nll:.4f}, "
          f"duration {metrics.duration_nll:.4f})")
    print(f"pitch top-1 / top-5  {metrics.pitch_top1:.4f} / {metrics.pitch_top5:.4f}")
    print(f"duration accuracy  {metrics.duration_accuracy:.4f}")
    if path is not None:
        print(f"written to {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    commands = {"evaluate": (build_evaluate_parser, run_evaluate),
                "compare": (build_compare_parser, run_compare)}
    command = argv[0] if argv and argv[0] in commands else None
    build, run = commands[command] if command else (build_train_parser, run_train)
    args = build().parse_args(argv[1:] if command else argv)
    try:
        return run(args)
    except UsageError as err:
        print(f"musicai-train: {err}", file=sys.stderr)
        return 2
    except MusicAIError as err:
        print(f"musicai-train: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("musicai-train: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
