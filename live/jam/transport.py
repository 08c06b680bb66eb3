"""Following a MIDI clock master: Start, Stop, Continue, Song Position and phase lock.

States: ``waiting`` (nothing yet: the engine holds), ``armed`` (Start or Continue came; the
next clock pulse is the downbeat, or the position Continue resumes from), ``running``,
``stopped``. Positions count clock pulses from the song's start (Song Position Pointer: 6 per
16th). The pulse fit (``ClockFollower``) runs on every pulse whatever the state, so a master
that sends clock while stopped (most DAWs) is already measured when Start comes.

While running, ``lock`` steers the engine's ``TempoMap`` onto the master's timeline: it
re-anchors the map at the engine's own position now (so the beat never jumps, and never goes
back) with a tempo that closes the phase error over ``HORIZON`` beats; a slope at most twice
and at least half the master's tempo. Only when the engine is more than ``SNAP`` ticks behind
(a stall) does it jump forward to the master's position.
"""

from __future__ import annotations

from musicai.live.encoding.grid import TICKS_PER_QUARTER
from musicai.live.engine.tempo import MAX_BPM, MIN_BPM, TempoMap
from musicai.live.jam.clock_follow import PPQN, ClockFollower
from musicai.live.midi.messages import CLOCK_TICKS, CONTINUE, START, STOP

SONG_POSITION = 0xF2
HORIZON = 2.0  # beats over which a phase error is made good (locks come once per note)
SNAP = TICKS_PER_QUARTER  # ticks behind the master past which the engine jumps forward
WAITING, ARMED, RUNNING, STOPPED = "waiting", "armed", "running", "stopped"


class Transport:
    def __init__(self) -> None:
        self.follower = ClockFollower()
        self.state = WAITING
        self.next_pos = 0  # song position (pulses) of the next pulse to count
        self._base = (0, 0)  # (sequence number, song position) of the first counted pulse
        self._relocate: tuple[int, float] | None = None  # (tick, time) to jump to, once
        self.silence = False  # the engine must panic (Stop)

    # messages, on the engine thread -----------------------------------------------------------
    def message(self, status: int, value: int, seq: int) -> None:
        if status == START:
            self.next_pos, self.state = 0, ARMED
            self._base = (seq + 1, 0)
        elif status == CONTINUE and self.state != RUNNING:
            self.state, self._base = ARMED, (seq + 1, self.next_pos)
        elif status == STOP and self.state in (RUNNING, ARMED):
            self.state, self.silence = STOPPED, True
        elif status == SONG_POSITION:
            self.next_pos = value * 6
            if self.state == RUNNING:  # the next pulse is the new position
                self.state, self._base = ARMED, (seq + 1, self.next_pos)

    def feed(self, pulses: list[tuple[int, float]],
             messages: list[tuple[int, int, int]]) -> None:
        """Pulses and (status, value, seq) messages in the order they came: a message
        carries the count of pulses before it, so the pulses before it go first."""
        done = 0
        for status, value, seq in messages:
            upto = done
            while upto < len(pulses) and pulses[upto][0] <= seq:
                upto += 1
            self.pulses(pulses[done:upto])
            self.message(status, value, seq)
            done = upto
        self.pulses(pulses[done:])

    def pulses(self, pulses: list[tuple[int, float]]) -> None:
        for seq, when in pulses:
            self.follower.add(seq, when)
            if self.state == ARMED and seq >= self._base[0]:
                self.state = RUNNING
                self._base = (seq, self._base[1])
                self._relocate = (self._base[1] * CLOCK_TICKS, when)
            if self.state == RUNNING:
                self.next_pos = self._base[1] + seq - self._base[0] + 1

    @property
    def running(self) -> bool:
        return self.state == RUNNING

    def relocation(self) -> tuple[int, float] | None:
        """(tick, time of its pulse) to jump to after Start, Continue or a Song Position
        while running; once."""
        where, self._relocate = self._relocate, None
        return where

    def master_tick(self, when: float) -> float | None:
        """The master's position at ``when``, in engine ticks."""
        seq = self.follower.seq_at(when)
        if seq is None:
            return None
        return (self._base[1] + seq - self._base[0]) * CLOCK_TICKS

    # the engine's tempo map -------------------------------------------------------------------
    def start_map(self, tempo: TempoMap, tick: int, first_pulse: float) -> None:
        """Anchor ``tick`` at the pulse that started the song (or resumed it), at the
        master's tempo when it is known already."""
        bpm = self.follower.bpm
        tempo.start(first_pulse, tick)
        if bpm is not None:
            tempo.bpm = _clamp(bpm)

    def lock(self, tempo: TempoMap, now: float) -> None:
        bpm = self.follower.bpm
        master = self.master_tick(now)
        if not self.running or bpm is None or master is None:
            return
        mine = tempo.tick_at(now)
        if master - mine > SNAP:
            tempo.start(now, master)
            tempo.bpm = _clamp(bpm)
            return
        horizon = HORIZON * 60.0 / bpm
        ahead = self.master_tick(now + horizon)
        nominal = bpm * TICKS_PER_QUARTER / 60.0
        slope = min(max((ahead - mine) / horizon, 0.5 * nominal), 2.0 * nominal)
        tempo.set_bpm(_clamp(slope * 60.0 / TICKS_PER_QUARTER), now)

    @property
    def pulse_seconds(self) -> float | None:
        fit = self.follower.fit
        return None if fit is None else fit[1]


def _clamp(bpm: float) -> float:
    return min(max(bpm, MIN_BPM), MAX_BPM)


__all__ = ["PPQN", "Transport"]
