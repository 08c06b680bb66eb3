"""RESULTS.md: the tables of one evaluation, the figures' links and what each number means.

Rows come in as plain dicts (``Tally.row()``), so this module only formats; it writes the
file atomically like every other output.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from musicai.live.published import replacing

PERCENT = ("in_key", "cadence", "marked_cadence", "tonic", "up", "steps", "repeats", "up_up",
           "down_down", "auto_up", "up_free", "down_free", "recur_exact", "recur_varied",
           "recurrence", "up_phrase", "down_phrase")


@dataclass
class Report:
    """Everything RESULTS.md shows; the lists hold (label columns, row dict) pairs."""

    command: str
    setup: list[str]
    summary: list[tuple[list[str], dict]] = field(default_factory=list)
    directions: list[tuple[list[str], dict]] = field(default_factory=list)
    cells: list[tuple[list[str], dict]] = field(default_factory=list)
    headline: list[str] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)  # (title, file name)
    notes: list[str] = field(default_factory=list)
    sections: list[list[str]] = field(default_factory=list)  # markdown, after the directions


def cell(name: str, value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if name in PERCENT:
        return f"{100 * value:.1f} %"
    if name in ("melodies", "notes", "max_run"):
        return f"{value:.0f}"
    return f"{value:.2f}"


def table(head: Sequence[str], columns: Sequence[tuple[str, str]],
          rows: Sequence[tuple[list[str], Mapping]]) -> list[str]:
    """A markdown table: label columns ``head`` then one column per (title, row key)."""
    titles = [*head, *(title for title, _ in columns)]
    lines = ["| " + " | ".join(titles) + " |",
             "|" + "|".join(["---"] * len(head) + ["---:"] * len(columns)) + "|"]
    for labels, row in rows:
        values = [cell(key, row.get(key, float("nan"))) for _, key in columns]
        lines.append("| " + " | ".join([*labels, *values]) + " |")
    return lines


SUMMARY_COLUMNS = (
    ("notes/bar", "notes_per_bar"), ("bars recurring", "recurrence"),
    ("exact", "recur_exact"), ("varied", "recur_varied"), ("in key", "in_key"),
    ("tonic at phrase ends", "cadence"), ("tonic at sampler cadences", "marked_cadence"),
    ("tonic overall", "tonic"), ("steps", "steps"), ("H(pc) bits", "entropy"),
    ("4-gram repeats", "repeats"), ("longest run", "run"), ("max run", "max_run"),
)
DIRECTION_COLUMNS = (("up: moves up", "up_up"), ("up: per phrase", "up_phrase"),
                     ("up: away from walls", "up_free"),
                     ("down: moves down", "down_down"), ("down: per phrase", "down_phrase"),
                     ("down: away from walls", "down_free"),
                     ("auto: moves up", "auto_up"), ("mean pitch up", "up_pitch"),
                     ("auto", "auto_pitch"), ("down", "down_pitch"))
CELL_COLUMNS = (("notes", "notes"), ("notes/bar", "notes_per_bar"),
                ("bars recurring", "recurrence"), ("exact", "recur_exact"), ("in key", "in_key"),
                ("tonic at phrase ends", "cadence"),
                ("moves up", "up"), ("steps", "steps"), ("H(pc) bits", "entropy"),
                ("4-gram repeats", "repeats"), ("max run", "max_run"))

DEFINITIONS = """\
## How the takes are made

Every take is played by the live `Engine` (the code path of `musicai-live`) on a manual clock
into a recording output: no MIDI port, no waiting, the same notes for the same seed.

- **MODEL raw**: the model alone. The engine's sampler is a plain softmax over the model's own
  pitch and duration logits at temperature T (`training/music_takes.RawSampler`), fed the
  same chords as the theory sampler. Not the theory sampler at strictness 0: chord tones by
  beat, cadence targets, leap recovery, register walls and the rest rules have no off switch.
- **MODEL + theory**: the model through the theory sampler at its defaults (strictness 0.8,
  the key's default progression, form AABA in 4-bar phrases, repeat 0.7, density 6.5), the
  given key, temperature and direction. **MODEL + theory, repeat 0**: the same with the form's
  restatement and the density pull off (the sampler as it was before forms).
- **theory only**: `--model none`, flat logits through the same theory sampler.
- **human (held out)**: melodies of the pieces `training/dataset.split_by_piece` held out of
  training, a seeded sample, each measured in its own estimated key.

## What the numbers mean

Every statistic is computed by `training/evaluation/metrics.py` on the notes (rests skipped), the
same code for generated takes and held-out human melodies.

- **in key**: share of notes whose pitch class is in the key's scale (for human melodies, the
  key estimated from the melody itself, Krumhansl–Schmuckler: major or natural minor, so a
  minor tune's raised leading tone counts as out of key).
- **tonic at phrase ends**: share of phrase-ending notes on the tonic. Phrase ends are found
  by one rule for every source: a note followed by a rest, a note at least twice the median
  note length (and at least a quarter), and the last note. **tonic at sampler cadences**: the
  same share at the notes the theory sampler itself marked as cadences (its sources only).
  **tonic overall**: the share of all notes on the tonic, the chance level for both.
- **moves up / down**: share of melodic moves (repeated notes are no move) going that way;
  with `direction up` (or `down`) this is the direction adherence, `auto` is the default arch.
- **steps**: share of intervals of 1 or 2 semitones (repeated notes count as intervals).
- **H(pc)**: entropy of the pitch-class distribution in bits (log2 7 = 2.81 for a scale
  played evenly, log2 12 = 3.58 for all twelve), **4-gram repeats**: share of 4-note windows
  that repeat an earlier one exactly, **longest run**: most notes of one pitch in a row.
  These three grow with a melody's length, so they are taken over pieces of 32 notes and
  averaged; **max run** is the longest run anywhere.
- **notes/bar**: notes per 4 quarters of music (rests count as time).
- **bars recurring**: share of bars (with two notes or more, after the first) whose pattern
  came in one of the 8 bars before: **exact** the same rhythm and the same intervals (a
  transposed copy counts), **varied** otherwise the same rhythm with the same contour or half
  the intervals the same (a sequence, a varied restatement), or the same intervals on another
  rhythm. The bar grid is tried at each beat (human tunes start with upbeats) and the phase
  with the most recurrence kept, for every source alike.
- **per phrase** (directions): the share of moves going the asked way inside each run of
  8 notes, averaged; **moves up/down** count every move of the take.
"""


def render(report: Report) -> str:
    lines = ["# Results", "", "Generated by `" + report.command + "`; do not edit by hand.", ""]
    lines += [f"- {line}" for line in report.setup] + [""]
    if report.headline:
        lines += ["## Headline", ""] + [f"- {line}" for line in report.headline] + [""]
    lines += ["## Summary", "",
              "Takes pooled over the keys; theory-sampler sources with `direction auto` (the "
              "default), raw sources have no direction.", ""]
    lines += [*table(["source", "T"], SUMMARY_COLUMNS, report.summary), ""]
    if report.directions:
        lines += ["## Direction adherence", "",
                  "Share of moves in the asked direction, pooled over the keys. The register "
                  "walls (C4–C6 by default) turn a line around, and a line that is told to rise "
                  "soon spends its time near the top: *away from walls* counts only the moves "
                  "from notes where the sampler applies the direction (below B♭5 for `up`, "
                  "above D4 for `down`); the mean pitch (MIDI) shows where the line sits.", ""]
        lines += [*table(["source", "T"], DIRECTION_COLUMNS, report.directions), ""]
    for extra in report.sections:
        lines += extra
    for title, name in report.figures:
        lines += [f"### {title}", "", f"![{title}]({name})", ""]
    if report.cells:
        lines += ["## Every cell", "", "<details><summary>one take per row</summary>", ""]
        lines += table(["source", "key", "T", "direction"], CELL_COLUMNS, report.cells)
        lines += ["", "</details>", ""]
    if report.notes:
        lines += ["## Notes", ""] + [f"- {line}" for line in report.notes] + [""]
    lines += [DEFINITIONS]
    return "\n".join(lines)


def write(report: Report, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path, ".md.tmp") as temp:
        temp.write_text(render(report))
