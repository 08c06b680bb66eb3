"""A scrolling piano roll of the last bars: pitch up the side, time to the right, now at the
right edge; generated notes, deadline-guard fallbacks and keyboard input in their own colours.

``roll`` is a pure function of the notes and the position (tested without a terminal); the
widget only keeps the pitch window steady (it moves when notes leave it, not every frame) and
asks for a repaint each UI tick, so the roll scrolls smoothly between notes.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from musicai.live.encoding.grid import TICKS_PER_QUARTER
from musicai.live.theory.notes import midi_name
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

COLOURS = {"engine": "green", "fallback": "yellow", "input": "magenta"}
STYLES = {"": "", "label": "dim", "bar": "dim", **{c: c for c in COLOURS.values()}}
CHARS = {"": " ", "bar": "┊"}
GUTTER = 4  # columns for the octave labels
BAR = 4 * TICKS_PER_QUARTER


def choose_low(pitches: Sequence[int], height: int, low: int | None) -> int:
    """The lowest row's pitch: kept while every pitch fits, else re-centred on them."""
    if not pitches:
        return low if low is not None else 72 - height // 2
    top, bottom = max(pitches), min(pitches)
    if low is not None and low <= bottom and top < low + height:
        return low
    middle = (top + bottom) // 2 if top - bottom < height else sorted(pitches)[len(pitches) // 2]
    return max(0, min(128 - height, middle - height // 2))


def rows(notes: Sequence[object], now: float, width: int, height: int, low: int,
         bars: int = 4, beats_per_bar: int = 4) -> list[list[tuple[str, str]]]:
    """Each row (top = ``low + height - 1``) as runs of (text, style name): "label", "bar",
    "" (empty) or a note colour; ``bars`` bars up to tick ``now`` across ``width`` columns."""
    cols = max(1, width - GUTTER)
    bar = beats_per_bar * TICKS_PER_QUARTER
    per_col = bars * bar / cols
    start = now - bars * bar
    grid: list[list[str]] = [[""] * cols for _ in range(height)]
    bar_cols = {int((tick - start) // per_col)
                for tick in range(int(start // bar + 1) * bar, int(now) + 1, bar)}
    for row in grid:
        for col in bar_cols:
            if 0 <= col < cols:
                row[col] = "bar"
    for note in notes:
        pitch = getattr(note, "pitch", None)
        if pitch is None or not low <= pitch < low + height:
            continue
        first = int((note.onset - start) // per_col)
        last = max(first + 1, int((note.onset + note.duration * 0.92 - start) // per_col))
        row = grid[low + height - 1 - pitch]
        for col in range(max(0, first), min(cols, last)):
            row[col] = COLOURS.get(getattr(note, "source", "engine"), "green")
    out = []
    for r, cells in enumerate(grid):
        pitch = low + height - 1 - r
        label = f"{midi_name(pitch):<{GUTTER}}" if pitch % 12 == 0 else " " * GUTTER
        out.append([(label, "label"), *_runs(cells)])
    return out


def _runs(cells: list[str]) -> list[tuple[str, str]]:
    """Cells as runs of one style each: a few segments per row, not one per cell."""
    runs: list[tuple[str, str]] = []
    for style, group in itertools.groupby(cells):
        char = CHARS.get(style, "█")
        runs.append((char * len(list(group)), style))
    return runs


def roll(notes: Sequence[object], now: float, width: int, height: int, low: int,
         bars: int = 4, beats_per_bar: int = 4) -> str:
    """The roll as plain text (tests, logs)."""
    return "\n".join("".join(text for text, _ in row)
                     for row in rows(notes, now, width, height, low, bars, beats_per_bar))


class PianoRoll(Widget):
    """Shows ``notes`` up to tick ``now``. ``show`` runs on every UI tick but rebuilds and
    repaints only when the picture changes (a new note, or the roll moved a column); the
    lines go out as prebuilt ``Strip``s, not through Rich text layout, to keep the UI thread
    (and so its hold on the GIL) short."""

    DEFAULT_CSS = "PianoRoll { height: 1fr; min-height: 6; }"

    def __init__(self, bars: int = 4, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.bars = bars
        self.notes: Sequence[object] = ()
        self.now = 0.0
        self.beats_per_bar = 4
        self.repaints = 0
        self._low: int | None = None
        self._key: tuple = ()
        self._strips: list[Strip] = []

    def show(self, notes: Sequence[object], now: float, beats_per_bar: int = 4) -> None:
        self.notes, self.now, self.beats_per_bar = notes, now, beats_per_bar
        width, height = self.size.width, self.size.height
        per_col = self.bars * beats_per_bar * TICKS_PER_QUARTER / max(1, width - GUTTER)
        key = (len(notes), notes[-1] if notes else None, int(now // per_col), width, height)
        if key != self._key:
            self._key = key
            self._strips = []
            self.refresh()

    def on_resize(self) -> None:
        self._key, self._strips = (), []

    def _build(self) -> list[Strip]:
        width, height = self.size.width, max(1, self.size.height)
        start = self.now - self.bars * self.beats_per_bar * TICKS_PER_QUARTER
        pitches = [n.pitch for n in self.notes
                   if n.pitch is not None and n.onset + n.duration > start]
        self._low = choose_low(pitches, height, self._low)
        base = self.rich_style
        styles = {name: base + Style.parse(spec) if spec else base
                  for name, spec in STYLES.items()}
        self.repaints += 1
        return [Strip([Segment(text, styles.get(style, styles[""])) for text, style in row],
                      width)
                for row in rows(self.notes, self.now, width, height, self._low, self.bars,
                                self.beats_per_bar)]

    def render_line(self, y: int) -> Strip:
        if not self._strips:
            self._strips = self._build()
        return self._strips[y] if y < len(self._strips) else Strip.blank(self.size.width)
