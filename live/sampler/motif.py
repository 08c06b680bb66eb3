"""Motif memory: the bars already played, as rhythm and scale degrees, and how to restate one.

Every event is remembered in the bar it starts in: its place in the bar, its duration and its
pitch, with the key and the chord under it. Restating a bar reads it back as targets for the
bar being played now, under one transposition rule:

* a pitch is stored as a scale degree of its key's parent seven-note scale (octave, degree,
  and a chromatic alteration for notes outside the scale);
* **exact** restatement keeps the degrees: in the same key the very same pitches; after a key
  change the same tune in the new key (placed in the octave nearest the original);
* a **sequence** shifts the degrees by the move of the chord root (source chord -> chord under
  the bar now), so a chord tone of the source chord lands on a tone of the current chord.

Rests are restated as rests. Nothing here decides *whether* to restate: that is ``form``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from musicai.live.theory.keys import MODES, PARENT_MODE, Key

MEMORY_BARS = 64  # bars kept: more than the longest form cycle (8 phrases x 8 bars)


class Degree(NamedTuple):
    """A pitch relative to a key: degree index over all octaves (0 = tonic of octave 0
    counted from MIDI 0), plus semitones above that degree."""

    step: int
    alter: int


@lru_cache(maxsize=64)
def _scale_of(mode: str) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...]]:
    """A mode's parent scale steps, and for each of the 12 pitch classes above the tonic its
    (degree index, alteration): restating reads these instead of searching the scale."""
    steps = MODES[PARENT_MODE.get(mode, mode)]
    below = [max(i for i, s in enumerate(steps) if s <= pc) for pc in range(12)]
    return steps, tuple((i, pc - steps[i]) for pc, i in enumerate(below))


def degree_of(pitch: int, key: Key) -> Degree:
    octave, pc = divmod(pitch - key.tonic, 12)
    index, alter = _scale_of(key.mode)[1][pc]
    return Degree(octave * 7 + index, alter)


def pitch_of(degree: Degree, key: Key, shift: int = 0) -> int:
    octave, index = divmod(degree.step + shift, 7)
    return key.tonic + octave * 12 + _scale_of(key.mode)[0][index] + degree.alter


def root_step(root_pc: int, key: Key) -> int:
    """The degree index (0..6) of a chord root in the key (nearest degree at or below)."""
    return _scale_of(key.mode)[1][(root_pc - key.tonic) % 12][0]


class Remembered(NamedTuple):  # a tuple: one is made per note on the engine thread
    offset: int  # ticks after the bar line
    duration: int
    pitch: int | None


@dataclass
class Bar:
    key: Key
    root: int  # pitch class of the chord root under the bar's first event
    events: list[Remembered] = field(default_factory=list)

    @property
    def notes(self) -> int:
        return sum(1 for e in self.events if e.pitch is not None)


REALIGN = -1  # a target's index when only its duration counts: back in step with the source


class Target(NamedTuple):
    """What a restatement asks of the event starting now: a pitch (None: a rest) and a
    duration that reaches the next remembered onset (or the source's own duration)."""

    pitch: int | None
    duration: int
    index: int  # which remembered event of the source bar


class MotifMemory:
    """Bars by absolute index (bar 0 starts at tick 0), the last ``MEMORY_BARS`` kept."""

    def __init__(self) -> None:
        self.bars: dict[int, Bar] = {}

    def record(self, bar: int, offset: int, duration: int, pitch: int | None, key: Key,
               root: int) -> None:
        held = self.bars.get(bar)
        if held is None:
            held = self.bars[bar] = Bar(key, root)
            while next(iter(self.bars)) <= bar - MEMORY_BARS:  # bars come in order
                del self.bars[next(iter(self.bars))]
        held.events.append(Remembered(offset, duration, pitch))

    def get(self, bar: int) -> Bar | None:
        found = self.bars.get(bar)
        return found if found is not None and found.events else None

    def clear(self) -> None:
        self.bars.clear()


def restated(source: Bar, key: Key, root: int, sequence: bool, low: int,
             high: int) -> tuple[int | None, ...]:
    """The source bar's pitches under the transposition rule, moved by whole octaves so that
    the bar keeps its shape inside ``low..high`` (an octave jump in mid-motif would break it)."""
    shift = _nearest(root_step(root, key) - root_step(source.root, source.key)) if sequence else 0
    src_table = _scale_of(source.key.mode)[1]
    steps = _scale_of(key.mode)[0]
    src_tonic, tonic, moved = source.key.tonic, key.tonic, key != source.key
    out: list[int | None] = []
    for event in source.events:
        if event.pitch is None:
            out.append(None)
            continue
        octave, pc = divmod(event.pitch - src_tonic, 12)
        index, alter = src_table[pc]
        octave, index = divmod(octave * 7 + index + shift, 7)
        pitch = tonic + octave * 12 + steps[index] + alter
        if moved:
            pitch += 12 * round((event.pitch - pitch) / 12)
        out.append(pitch)
    notes = [p for p in out if p is not None]
    if notes:
        top, bottom, move = max(notes), min(notes), 0
        while top + move > high and bottom + move - 12 >= low - 12:
            move -= 12
        while bottom + move < low and top + move + 12 <= high + 12:
            move += 12
        out = [None if p is None else min(max(p + move, low - 12), high + 12) for p in out]
    return tuple(out)


def target_at(source: Bar, pitches: tuple[int | None, ...], offset: int,
              bar_ticks: int) -> Target | None:
    """The source event starting at ``offset`` of the bar (its pitch from ``restated``); out of
    step, a ``REALIGN`` target whose duration reaches the next source onset; None past the
    source's last onset."""
    events, index = source.events, 0
    while index < len(events) and events[index].offset < offset:
        index += 1
    if index == len(events):
        return None
    event = events[index]
    if event.offset > offset:  # out of step (a tie, or the line drifted): a free note that
        return Target(None, event.offset - offset, REALIGN)  # ends on the next onset
    following = (events[index + 1].offset if index + 1 < len(events)
                 else event.offset + event.duration)  # the last note may tie over
    duration = max(following - offset, 0) or event.duration
    return Target(pitches[index], duration, index)


def _nearest(steps: int) -> int:
    """A degree move taken the short way round (-3..+3)."""
    steps %= 7
    return steps - 7 if steps > 3 else steps
