"""Who plays when: the jam modes and the call-and-response state machine.

Modes (``--jam``, or a ``Change("jam", ...)`` at any time):

* ``accompany``: the engine keeps playing; the player's notes join its history;
* ``call-response``: the engine listens while the player plays; once the player has been
  silent for ``response_after`` beats it answers, from the next beat line, for as long as the
  call lasted (from its first note-on to its last note-off, at least a beat); a new note from
  the player ends the answer at once (the engine lets go of its notes) and starts a new call;
* ``follow``: like accompany, and the key follows the player (``jam.py``);
* ``thru``: like accompany, and the player's notes are echoed to the output.

All positions are engine ticks; nothing here reads a clock, so tests step it by hand.
"""

from __future__ import annotations

import math

from musicai.live.encoding.grid import TICKS_PER_QUARTER
from musicai.live.errors import JamError

MODES = ("accompany", "call-response", "follow", "thru")
LISTENING, CALLING, RESPONDING = "listening", "calling", "responding"


def check_mode(mode: object) -> str:
    text = str(mode).strip().lower().replace("_", "-")
    if text not in MODES:
        raise JamError(f"jam mode {mode!r} is not one of {', '.join(MODES)}")
    return text


class Turns:
    def __init__(self, mode: str = "accompany", response_after: float = 1.0,
                 beat: int = TICKS_PER_QUARTER) -> None:
        if not 0.0 <= response_after <= 64.0:
            raise JamError(f"response after {response_after:g} beats is outside 0..64")
        self.mode = check_mode(mode)
        self.response_after = response_after
        self.beat = beat
        self.state = LISTENING
        self.held: set[int] = set()
        self.call_start = 0
        self.last_off = 0
        self.response = (0, 0)  # (start, end) ticks of the answer being played
        self.calls = 0  # calls begun so far

    def set_mode(self, mode: object) -> None:
        self.mode = check_mode(mode)
        self.state = CALLING if self.held else LISTENING

    @property
    def answering(self) -> bool:
        return self.mode == "call-response"

    def player_on(self, pitch: int, tick: int) -> bool:
        """A melody note-on; True when the engine must let go of its notes now."""
        self.held.add(pitch)
        if not self.answering or self.state == CALLING:
            return False
        if self.state == RESPONDING and tick < self.response[0]:
            self.state = CALLING  # the answer had not begun: the same call goes on
            return False
        interrupt = self.state == RESPONDING
        self.state, self.call_start = CALLING, max(0, tick)
        self.calls += 1
        return interrupt

    def player_off(self, pitch: int, tick: int) -> None:
        self.held.discard(pitch)
        if not self.held:
            self.last_off = max(tick, self.call_start)

    def let_go(self, tick: int) -> None:
        """Every note released at once (the input port was lost)."""
        for pitch in list(self.held):
            self.player_off(pitch, tick)

    def turn(self, onset: int) -> int | None:
        """The tick at which the engine may play its next note (``onset`` or later), or None
        while it must listen."""
        if not self.answering:
            return onset
        if self.state == LISTENING or (self.state == CALLING and self.held):
            return None
        if self.state == CALLING:
            silence_end = self.last_off + round(self.response_after * self.beat)
            start = math.ceil(max(silence_end, onset) / self.beat) * self.beat
            length = max(self.beat, self.last_off - self.call_start)
            self.response, self.state = (start, start + length), RESPONDING
            return start
        if onset >= self.response[1]:
            self.state = LISTENING
            return None
        return max(onset, self.response[0])
