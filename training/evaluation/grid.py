"""The generation grid: keys x temperatures x sources (x directions), each cell one take.

Sources, per model file: ``<model> raw`` (the model alone through ``RawSampler``: plain
softmax, no theory) and ``<model> + theory`` (the model through the theory sampler at its
defaults, as ``musicai-live`` plays it); once: ``theory only`` (``--model none``). Sources
that go through the theory sampler also play with ``direction`` up and down, so direction
adherence has something to measure; ``auto`` is the default arch. Every cell's seed comes
from the base seed and the cell's key, temperature and direction, so a cell is reproducible
on its own and all sources of one cell share it.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from musicai.live.encoding import Vocabulary
from musicai.live.errors import ModelFileError
from musicai.live.inference.onnx_predictors import load_predictor
from musicai.live.inference.predictor import Predictor, TheoryOnlyPredictor
from musicai.live.sampler.settings import SamplerSettings
from musicai.live.theory.keys import Key
from musicai.training.evaluation.takes import MarkingSampler, RawSampler, Take, play
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

RAW, THEORY, BEFORE = "raw", "theory", "before"  # BEFORE: the theory sampler, forms off
DIRECTIONS = ("auto", "up", "down")
NO_DIRECTION = "-"  # the raw sampler has no contour
THEORY_ONLY = "theory only"


@dataclass(frozen=True)
class Source:
    """Where notes come from: a model (or none) and how they are sampled."""

    name: str
    kind: str  # RAW or THEORY
    model: str | None  # path of the .onnx, None for theory only


@dataclass(frozen=True)
class Cell:
    source: Source
    key: Key
    temperature: float
    direction: str

    def settings(self) -> SamplerSettings:
        direction = "auto" if self.direction == NO_DIRECTION else self.direction
        if self.source.kind == BEFORE:
            return SamplerSettings(key=self.key, temperature=self.temperature,
                                   direction=direction, repeat=0.0, density=0.0,
                                   recentre=False)
        return SamplerSettings(key=self.key, temperature=self.temperature, direction=direction)

    def seed(self, base: int) -> int:
        text = f"{self.key.name}|{self.temperature:g}|{self.direction}"
        return (base * 1_000_003 + zlib.crc32(text.encode())) % 2**32


def load_models(paths: Iterable[str], say: Callable[[str], None]) -> dict[str, Predictor]:
    """Predictors by path; a missing or unusable file is named in one line and left out."""
    loaded: dict[str, Predictor] = {}
    for path in paths:
        if not Path(path).is_file():
            say(f"skip {path}: no such model file")
            continue
        try:
            loaded[path] = load_predictor(path)
        except ModelFileError as err:
            say(f"skip {err}")
    return loaded


def sources(models: Sequence[str]) -> list[Source]:
    out = []
    for index, path in enumerate(models):
        stem = Path(path).stem
        out += [Source(f"{stem} raw", RAW, path), Source(f"{stem} + theory", THEORY, path)]
        if index == 0:  # what the form does, side by side with the same seeds
            out.append(Source(f"{stem} + theory, repeat 0", BEFORE, path))
    return [*out, Source(THEORY_ONLY, THEORY, None)]


def grid(models: Sequence[str], keys: Sequence[Key], temperatures: Sequence[float]) -> list[Cell]:
    """Every cell, sources outermost (the order of the tables)."""
    return [Cell(source, key, t, d)
            for source in sources(models)
            for d in (DIRECTIONS if source.kind == THEORY else
                      ("auto",) if source.kind == BEFORE else (NO_DIRECTION,))
            for t in temperatures for key in keys]


def play_cell(cell: Cell, predictor: Predictor, bars: int, seed: int) -> Take:
    vocab: Vocabulary = predictor.vocab
    settings = cell.settings()
    sampler: RawSampler | MarkingSampler
    if cell.source.kind == RAW:
        sampler = RawSampler(settings, vocab, cell.seed(seed))
    else:
        sampler = MarkingSampler(settings, vocab, cell.seed(seed))
    return play(predictor, sampler, bars)


def run_grid(cells: Sequence[Cell], predictors: dict[str, Predictor], bars: int, seed: int,
             show: bool = True) -> list[tuple[Cell, Take]]:
    """Play every cell, with a progress bar (on stderr) when ``show``."""
    theory = TheoryOnlyPredictor()
    done = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, transient=True, disable=not show) as bar:
        task = bar.add_task("generating", total=len(cells))
        for cell in cells:
            bar.update(task, description=f"{cell.source.name}, {cell.key.name}, "
                                         f"T {cell.temperature:g}, {cell.direction}")
            predictor = theory if cell.source.model is None else predictors[cell.source.model]
            done.append((cell, play_cell(cell, predictor, bars, seed)))
            bar.advance(task)
    return done
