"""The player's melody as note events: onsets snapped to a grid, durations from the grid.

The model and the sampler read a melody as events back to back (a rest is an event), one voice.
Notes come in as (pitch, tick) at note-on and note-off, ticks from the engine's tempo map;
here they become events:

* an onset snaps to the nearest ``grid`` tick (a 16th by default); a note lasts from its
  onset to its snapped note-off, or to the next note's onset when that comes first (legato),
  at least one grid step; its duration is the longest grid duration that fits
  (``encoding.grid.longest_fitting``) and what is left joins the silence after it;
* the silence before the next note becomes rests (``split_span``), at most ``MAX_REST`` ticks
  of them, so a long pause reads as a phrase break, not as bars of rests;
* two notes on the same grid tick (a chord in the right hand): the higher one is kept.

An event is ready once its end is known (note-off, or the next note-on); ``take`` hands the
ready events over as (onset, pitch or None, duration).
"""

from __future__ import annotations

from musicai.live.encoding.grid import QUANTUM, longest_fitting, snap, split_span

DEFAULT_GRID = 120  # a 16th note
MAX_REST = 1920  # a whole note: longer silences are cut to this much rest

Event = tuple[int, int | None, int]  # (onset tick, pitch or None for a rest, duration ticks)


class Quantiser:
    def __init__(self, grid: int = DEFAULT_GRID) -> None:
        if grid % QUANTUM or grid <= 0:
            raise ValueError(f"grid {grid} is not a multiple of {QUANTUM} ticks")
        self.grid = grid
        self._open: tuple[int, int] | None = None  # (pitch, onset) of the sounding note
        self._end: int | None = None  # where the last ready event ended
        self._ready: list[Event] = []

    @property
    def sounding(self) -> int | None:
        return None if self._open is None else self._open[0]

    def note_on(self, pitch: int, tick: float) -> None:
        onset = max(0, snap(tick, self.grid))
        if self._open is not None:
            held, start = self._open
            if onset <= start:  # same grid tick: keep the top voice
                self._open = (max(held, pitch), start)
                return
            self._close(held, start, onset)
        if self._end is not None and onset > self._end:
            gap = min(onset - self._end, MAX_REST)
            at = onset - gap
            for rest in split_span(gap):
                self._ready.append((at, None, rest))
                at += rest
        self._open = (pitch, max(onset, self._end or 0))

    def note_off(self, pitch: int, tick: float) -> None:
        if self._open is None or self._open[0] != pitch:
            return  # not the melody note (released after a legato successor took over)
        held, start = self._open
        self._close(held, start, max(start + self.grid, snap(tick, self.grid)))

    def _close(self, pitch: int, start: int, end: int) -> None:
        duration = longest_fitting(max(end - start, self.grid)) or self.grid
        self._ready.append((start, pitch, duration))
        self._end = start + duration
        self._open = None

    def cancel(self) -> None:
        """Let go of a sounding note whose note-off will never come (the port was lost)."""
        if self._open is not None:
            self._close(self._open[0], self._open[1], self._open[1] + self.grid)

    def take(self) -> list[Event]:
        ready, self._ready = self._ready, []
        return ready
