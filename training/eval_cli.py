"""``musicai-eval``: play the grid headless, measure it beside held-out human melodies, and
write ``RESULTS.md``, the figures and ``summary.json`` into one folder.

No MIDI port and no TensorFlow: the live engine runs on a manual clock (``evaluation/takes.py``).
A model file that is missing or unusable is named in one line and left out, as is a data
folder that cannot be read; the rest of the batch goes on. Bad values (an unknown key, a
temperature out of range) are one line and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

import numpy as np
from musicai.live.errors import MusicAIError
from musicai.live.sampler.settings import SamplerSettings
from musicai.live.theory.keys import Key
from musicai.training.errors import MissingExtraError, UsageError
from musicai.training.evaluation import all_keys
from musicai.training.evaluation.grid import grid, load_models, run_grid
from musicai.training.evaluation.reference import load_reference
from musicai.training.evaluation.report import write
from musicai.training.evaluation.results import Results, build_report

DEFAULT_MODELS = "models/default.onnx,models/seed-bilstm.onnx"
BENCH_FILE = "bench-samples.npz"


def say(line: str) -> None:
    print(f"musicai-eval: {line}", file=sys.stderr, flush=True)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="musicai-eval", description=__doc__.split("\n\n")[0])
    p.add_argument("--models", default=DEFAULT_MODELS,
                   help=f"comma-separated .onnx files, or none (default {DEFAULT_MODELS})")
    p.add_argument("--data", type=Path, default=Path("data/corpus"),
                   help="MIDI folder the models trained on: its held-out pieces are the human "
                        "reference (default data/corpus; 'none' to skip)")
    p.add_argument("--cache", type=Path, default=None,
                   help="encoded-MIDI cache of training (default .cache/encoded when present, "
                        "else ~/.cache/musicai)")
    p.add_argument("--val-fraction", type=float, default=0.1,
                   help="held-out share of pieces, as in training (default 0.1)")
    p.add_argument("--reference", type=int, default=400,
                   help="held-out melodies to measure, a seeded sample (default 400)")
    p.add_argument("--bars", type=int, default=32, help="bars per take (default 32)")
    p.add_argument("--keys", default="C major,A minor,D dorian",
                   help='comma-separated keys (default "C major,A minor,D dorian")')
    p.add_argument("--temperatures", default="0.5,1.0,1.5",
                   help="comma-separated base temperatures (default 0.5,1.0,1.5)")
    p.add_argument("--seed", type=int, default=0, help="base seed of every take (default 0)")
    p.add_argument("--key-takes", type=int, default=all_keys.TAKES,
                   help="raw takes per major key in the 12-key table, pooled (default "
                        f"{all_keys.TAKES})")
    p.add_argument("--history", type=Path, nargs="*", default=None,
                   help="training history CSVs (default models/history-*.csv, else "
                        "runs/*/history.csv)")
    p.add_argument("--bench", type=Path, default=None,
                   help=f"benchmark samples (default OUT/{BENCH_FILE}, written by "
                        f"MUSICAI_BENCH_SAMPLES=OUT/{BENCH_FILE} make bench)")
    p.add_argument("--out", type=Path, default=Path("results"),
                   help="output folder (default results/)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def parse_list(text: str, what: str) -> list[str]:
    items = [part.strip() for part in text.split(",") if part.strip()]
    if not items:
        raise UsageError(f"--{what} is empty; give a comma-separated list")
    return items


def parse_temperatures(text: str) -> list[float]:
    out = []
    for item in parse_list(text, "temperatures"):
        try:
            value = float(item)
        except ValueError:
            raise UsageError(f'--temperatures: "{item}" is not a number') from None
        SamplerSettings(temperature=value)  # the sampler's own range check, one line
        out.append(value)
    return out


def check(args: argparse.Namespace) -> None:
    if args.bars < 1:
        raise UsageError(f"--bars {args.bars} must be at least 1")
    if args.key_takes < 1:
        raise UsageError(f"--key-takes {args.key_takes} must be at least 1")
    if args.reference < 0:
        raise UsageError(f"--reference {args.reference} must be 0 or more")
    if not 0.0 < args.val_fraction < 1.0:
        raise UsageError("--val-fraction must be between 0 and 1")


def histories(given: list[Path] | None, models: list[str]) -> dict[str, Path]:
    """Training histories by model name: the given files, the lead's ``history-NAME.csv``
    copies beside the models, else the training runs' own ``runs/*/history.csv``."""
    if given is not None:
        return {p.stem.removeprefix("history-"): p for p in given if p.is_file()}
    folders = dict.fromkeys(Path(m).parent for m in models) or {Path("models"): None}
    found = {p.stem.removeprefix("history-"): p for folder in folders
             for p in sorted(folder.glob("history-*.csv"))}
    return found or {p.parent.name: p for p in sorted(Path("runs").glob("*/history.csv"))}


def bench_samples(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in sorted(data.files) if data[k].size}
    except (OSError, ValueError, EOFError):
        return {}


def default_cache() -> Path | None:
    local = Path(".cache/encoded")
    return local if local.is_dir() else None


def evaluate(args: argparse.Namespace, argv: list[str]) -> int:
    check(args)
    keys = [Key.parse(k) for k in parse_list(args.keys, "keys")]
    temps = parse_temperatures(args.temperatures)
    models = [] if args.models.strip().lower() == "none" else parse_list(args.models, "models")
    try:
        import matplotlib  # noqa: F401  (the train extra)
    except ImportError:
        raise MissingExtraError("matplotlib is missing; install the train extra: "
                                "pip install 'musicai[train]'") from None
    predictors = load_models(models, say)
    cells = grid(list(predictors), keys, temps)
    played = run_grid(cells, predictors, args.bars, args.seed,
                      show=not args.quiet and sys.stderr.isatty())
    reference = None
    if str(args.data).lower() != "none" and args.reference > 0:
        try:
            reference = load_reference(args.data, fraction=args.val_fraction,
                                       limit=args.reference, seed=args.seed,
                                       cache_dir=args.cache or default_cache(),
                                       progress=not args.quiet and sys.stderr.isatty())
        except MusicAIError as err:
            say(f"no human reference: {err}")
    twelve = all_keys.key_rows(all_keys.play_all_keys(predictors, args.bars, args.seed,
                                                      args.key_takes))
    results = Results(played, reference)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    setup = [f"{len(played)} takes of {args.bars} bars at 120 bpm, seed {args.seed}; keys "
             f"{', '.join(k.name for k in keys)}; temperatures {', '.join(map(str, temps))}",
             "models: " + (", ".join(models_line(p, predictors) for p in predictors) or "none")]
    if reference is not None:
        setup.append(f"human reference: {len(reference.melodies)} of {reference.held_out} "
                     f"held-out melodies ({reference.pieces} pieces) of {args.data}")
    report = build_report(results, "musicai-eval " + shlex.join(argv), setup, out)
    report.sections.append(all_keys.section(twelve, args.bars))
    add_extras(report, args, list(predictors) or models, out)
    write(report, out / "RESULTS.md")
    write_summary(results, out / "summary.json", twelve)
    say(f"{len(played)} takes; wrote {out / 'RESULTS.md'}")
    return 0


def models_line(path: str, predictors: dict) -> str:
    return f"{path} ({type(predictors[path]).__name__})"


def add_extras(report, args: argparse.Namespace, models: list[str], out: Path) -> None:
    """Training histories and benchmark histograms, when their files exist."""
    from musicai.training.evaluation import plots

    found = histories(args.history, models)
    if found:
        plots.history_figure(found, out / "history.png")
        report.figures.append(("Training history", "history.png"))
        report.setup.append("training history: " + ", ".join(map(str, found.values())))
    else:
        report.notes.append("no training history found (models/history-*.csv, "
                            "runs/*/history.csv)")
    bench = args.bench or out / BENCH_FILE
    samples = bench_samples(bench)
    if samples:
        plots.bench_figure(samples, out / "bench.png")
        report.figures.append(("Timing: onset lateness and inference latency", "bench.png"))
        report.setup.append(f"benchmark samples: {bench} (`MUSICAI_BENCH_SAMPLES={bench} "
                            "make bench`: bench_engine_timing's long run, bench_inference's "
                            "onnxruntime rows)")
    else:
        report.notes.append(f"no benchmark samples at {bench}; make them with "
                            f"`MUSICAI_BENCH_SAMPLES={bench} make bench`")


def write_summary(results: Results, path: Path, twelve: list[dict] | None = None) -> None:
    """The summary rows as JSON (NaN as null), for tools and tests."""
    def clean(row: dict) -> dict:
        return {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}

    data = {name: [{"source": labels[0], "temperature": labels[1], **clean(row)}
                   for labels, row in rows]
            for name, rows in (("summary", results.summary_rows()),
                               ("directions", results.direction_rows()))}
    data["all_keys"] = twelve or []
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    try:
        return evaluate(args, argv)
    except MusicAIError as err:
        say(str(err))
        return 2
    except KeyboardInterrupt:
        say("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
