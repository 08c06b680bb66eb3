"""Where an event stands: its place in the bar, and what the line played one and two bars back.

Encoding version 2 gives the models the two inputs Magenta's Lookback RNN added, the ones
that let a recurrent net repeat and vary bars (a model that cannot see the bar line cannot
restate one):

* **position**: the onset's place in the bar, as a 16th-note slot (``POSITIONS`` ids; one
  more id for onsets off the 16th grid) and as a beat level (downbeat, strong beat, beat,
  offbeat, weak; the same five levels the sampler accents by);
* **lookback**: the pitch id sounding exactly one and two bars before the onset (a rest id
  when it was silence, ``bos`` when the melody had not started), and whether the previous
  event repeated what sounded a bar (two bars) before it.

Training computes these for whole melodies at once (``melody_context``); the live predictors
keep a ``BarContext`` and compute them note by note from the same rules, so what a model hears
live is what it learned from (a test holds the two to the same numbers).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import numpy as np
from musicai.live.encoding.grid import TICKS_PER_QUARTER

SLOT_TICKS = TICKS_PER_QUARTER // 4  # a 16th
MAX_SLOTS = 32  # 16ths per bar we tell apart (8/4); later slots share the last id
OFF_GRID = MAX_SLOTS  # the id of an onset between 16ths (triplets, 32nds)
N_POSITIONS = MAX_SLOTS + 1
LEVELS = ("downbeat", "strong", "beat", "offbeat", "weak")
DOWNBEAT, STRONG, BEAT, OFFBEAT, WEAK = range(5)
N_LEVELS = len(LEVELS)
LOOKBACK_BARS = (1, 2)
DEFAULT_BAR = 4 * TICKS_PER_QUARTER
HISTORY = 512  # events a live context remembers: two bars of 32nds in 8/4 and then some


def strong_beats(beats_per_bar: int) -> frozenset[int]:
    """Beat indices (0-based) that are strong: the downbeat and the secondary strong beat."""
    if beats_per_bar >= 4 and beats_per_bar % 2 == 0:
        return frozenset({0, beats_per_bar // 2})
    if beats_per_bar >= 5:
        return frozenset({0, (beats_per_bar + 1) // 2})
    return frozenset({0})


def level_at(tick_in_bar: int, beats_per_bar: int, beat_ticks: int) -> int:
    """The level of one position, ``tick_in_bar`` ticks after the bar line."""
    if tick_in_bar == 0:
        return DOWNBEAT
    if tick_in_bar % beat_ticks == 0:
        return STRONG if tick_in_bar // beat_ticks in strong_beats(beats_per_bar) else BEAT
    return OFFBEAT if tick_in_bar % (beat_ticks // 2) == 0 else WEAK


def position_id(tick_in_bar: int) -> int:
    if tick_in_bar % SLOT_TICKS:
        return OFF_GRID
    return min(tick_in_bar // SLOT_TICKS, MAX_SLOTS - 1)


def bar_level(tick_in_bar: int, bar_ticks: int) -> int:
    """The level in a bar of ``bar_ticks``, read as quarter-note beats (as the engine plays)."""
    beats = max(bar_ticks // TICKS_PER_QUARTER, 1)
    return level_at(tick_in_bar, beats, TICKS_PER_QUARTER)


def bar_positions(onsets: np.ndarray, signatures: Sequence[tuple[int, int, int]]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(ticks after the bar line, bar length) for absolute onsets under a time-signature map
    of (tick, numerator, denominator); bars restart at each change, 4/4 before the first."""
    onsets = np.asarray(onsets, dtype=np.int64)
    starts, lengths = [0], [DEFAULT_BAR]
    for tick, numerator, denominator in sorted(signatures):
        length = max(numerator * 4 * TICKS_PER_QUARTER // max(denominator, 1), SLOT_TICKS)
        if tick <= starts[-1]:
            starts[-1], lengths[-1] = max(tick, 0), length
        else:
            starts.append(tick)
            lengths.append(length)
    which = np.searchsorted(np.asarray(starts), onsets, side="right") - 1
    which = np.maximum(which, 0)
    bar = np.asarray(lengths, dtype=np.int64)[which]
    position = (onsets - np.asarray(starts, dtype=np.int64)[which]) % bar
    return position, bar


def melody_context(pitch: np.ndarray, duration_ticks: np.ndarray, position: np.ndarray,
                   bar: np.ndarray, none_id: int) -> dict[str, np.ndarray]:
    """The v2 context of every event of one melody (arrays of its length).

    ``position`` and ``bar`` are each event's place in its bar and the bar's length; the
    lookback reads the event sounding ``k`` bars (of the bar now) before the onset."""
    pitch = np.asarray(pitch, dtype=np.int64)
    n = len(pitch)
    ends = np.cumsum(np.asarray(duration_ticks, dtype=np.int64))
    onsets = ends - np.asarray(duration_ticks, dtype=np.int64)
    out: dict[str, np.ndarray] = {
        "position": np.array([position_id(int(p)) for p in position], dtype=np.int32),
        "level": np.array([bar_level(int(p), int(b)) for p, b in zip(position, bar,
                                                                     strict=True)],
                          dtype=np.int32),
    }
    repeating = np.zeros((n, len(LOOKBACK_BARS)), dtype=np.float32)
    for column, k in enumerate(LOOKBACK_BARS):
        back = onsets - k * np.asarray(bar, dtype=np.int64)
        index = np.searchsorted(onsets, back, side="right") - 1
        ids = np.where(back >= 0, pitch[np.maximum(index, 0)], none_id)
        out[f"lookback_{k}"] = ids.astype(np.int32)
        same = (ids == pitch) & (back >= 0)  # event t repeated its own lookback ...
        repeating[1:, column] = same[:-1]  # ... which the frame of event t + 1 is told
    out["repeating"] = repeating
    return out


class BarContext:
    """The live side of ``melody_context``: fed one event at a time, asked before each one.

    ``frame(onset)`` answers for an event about to start at ``onset``; ``commit`` records the
    event that did. Onsets are ticks from the start of the take (bar lines every ``bar_ticks``
    from tick 0, as the engine counts them)."""

    def __init__(self, none_id: int, bar_ticks: int = DEFAULT_BAR) -> None:
        self.none_id = none_id
        self.bar_ticks = bar_ticks
        self._events: deque[tuple[int, int, int]] = deque(maxlen=HISTORY)  # onset, end, pitch
        self._repeating = [0.0] * len(LOOKBACK_BARS)
        self.next_onset = 0

    def reset(self) -> None:
        self._events.clear()
        self._repeating = [0.0] * len(LOOKBACK_BARS)
        self.next_onset = 0

    def sounding(self, tick: int) -> int:
        """The pitch id sounding at ``tick``: ``none_id`` before the line began (or past what
        is remembered), a rest id in a silence or a gap."""
        if tick < 0 or not self._events or tick < self._events[0][0]:
            return self.none_id
        for onset, end, pitch in reversed(self._events):
            if onset <= tick:
                return pitch if tick < end else 0
        return self.none_id

    def frame(self, onset: int | None = None) -> tuple[int, int, int, int, float, float]:
        """(position id, level, lookback 1, lookback 2, repeating 1, repeating 2)."""
        onset = self.next_onset if onset is None else onset
        bar = self.bar_ticks
        place = onset % bar
        return (position_id(place), bar_level(place, bar), self.sounding(onset - bar),
                self.sounding(onset - 2 * bar), self._repeating[0], self._repeating[1])

    def commit(self, pitch_id: int, duration: int, onset: int | None = None) -> None:
        onset = self.next_onset if onset is None else onset
        if self._events and onset < self._events[-1][1]:  # an overlap (a jam turn came early):
            last = self._events.pop()  # the line was cut where this event starts
            if onset > last[0]:
                self._events.append((last[0], onset, last[2]))
        self._repeating = [float(pitch_id == self.sounding(onset - k * self.bar_ticks)
                                 and onset - k * self.bar_ticks >= 0)
                           for k in LOOKBACK_BARS]
        self._events.append((onset, onset + duration, pitch_id))
        self.next_onset = onset + duration
