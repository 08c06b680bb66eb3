"""The jam: a player's MIDI input inside the engine's loop (the engine's ``Jam`` hook).

Everything here runs on the engine thread, at the points the engine chooses (``engine.py``):

* ``poll`` (whenever the engine drains commands: note boundaries and every wake-up) takes what
  the input callback left in the ``Inbox``: melody notes go to the quantiser and the turn
  taking, chord-hand notes to the held chord, controller values to the steering (latest per
  target), Start/Stop/Continue/Song Position and clock pulses to the transport; in ``thru``
  the notes come back to be echoed. No inference, no table building, no clock fit here.
* ``absorb`` (the top of each note, off the critical path) commits the player's finished
  notes to the predictor and the sampler's history, so the model continues from them; sends
  the controller changes; in ``follow`` mode moves the key at the next phrase when the
  player's key is clear.
* ``turn`` says where the engine may play: not while the transport is stopped, not while the
  player calls in call-and-response; it answers in the call's key when that is clear; with
  MIDI clock it locks the engine's tempo map to the master here, after each note.
"""

from __future__ import annotations

from dataclasses import dataclass

from musicai.live.encoding import NoteEvent
from musicai.live.encoding.grid import snap
from musicai.live.engine.commands import Action, Change
from musicai.live.jam.cc_map import CCMap
from musicai.live.jam.chord_hand import ChordHand
from musicai.live.jam.key_ear import KeyEar
from musicai.live.jam.quantise import DEFAULT_GRID, Quantiser
from musicai.live.jam.steering import Steering
from musicai.live.jam.transport import ARMED, Transport
from musicai.live.jam.turns import CALLING, RESPONDING, Turns, check_mode
from musicai.live.midi.inbox import CONTROL, NOTE_OFF, NOTE_ON, Inbox
from musicai.live.midi.input_watch import LOST
from musicai.live.theory.held import held_chord
from musicai.live.theory.keys import Key


@dataclass(frozen=True)
class JamSetup:
    mode: str = "accompany"
    response_after: float = 1.0  # beats of silence before an answer
    chord_channel: int | None = None  # 0..15
    split: int | None = None  # MIDI note: below it, chord notes
    cc: CCMap | None = None
    sync: bool = False  # follow MIDI clock and transport
    grid: int = DEFAULT_GRID


class JamController:
    settings = ("jam", "held_chord")

    def __init__(self, engine: object, inbox: Inbox, setup: JamSetup) -> None:
        self.engine, self.inbox, self.setup = engine, inbox, setup
        inbox.wake = engine.wake
        self.theory = getattr(engine.sampler, "sampler", engine.sampler)
        self.turns = Turns(setup.mode, setup.response_after)
        self.quantiser = Quantiser(setup.grid)
        self.hand = ChordHand(setup.chord_channel, setup.split)
        self.transport = Transport() if setup.sync else None
        self.steering = Steering(engine, self.theory, setup.cc)
        self.ear = KeyEar()
        self.absorbed = 0
        self._echoed: set[tuple[int, int]] = set()
        self._jump: int | None = None  # where the transport relocated the engine
        self._answer_key: Key | None = None  # the call's key, sent as the answer begins
        self._told = False  # the engine was told the input is lost

    # poll: drain the input --------------------------------------------------------------------
    def poll(self, now: float) -> list[list[int]]:
        echo: list[list[int]] = []
        transport: list[tuple[int, int, int]] = []
        tick_at = self.engine.tempo.tick_at
        for when, status, a, b in self.inbox.drain():
            kind = status & 0xF0
            if kind in (NOTE_ON, NOTE_OFF):
                if self.turns.mode == "thru":
                    echo.append(self._echo(status, a, b))
                self._note(kind == NOTE_ON, status & 0x0F, a, tick_at(when), when)
            elif kind == CONTROL:
                self.steering.control(a, b)
            elif status == LOST:
                echo.extend(self._lost(tick_at(when), when))
            elif self.transport is not None:
                transport.append((status, a, b))
        if self.transport is not None:
            self._follow_clock(transport)
        self._chord(now)
        # the engine chooses a note ``ahead`` of its time (a JACK latency): measured from there
        if self._answer_key is not None and self.turns.state == RESPONDING and (
                tick_at(now + self.engine.ahead) >= self.turns.response[0] - self.quantiser.grid):
            self.engine.send(Change("key", self._answer_key))  # lands on the answer's start
            self._answer_key = None
        if self._told and not self.inbox.lost:
            self._told = False
            self.engine.tell("input is back")
        return echo

    def _echo(self, status: int, pitch: int, velocity: int) -> list[int]:
        key = (status & 0x0F, pitch)
        (self._echoed.add if status & 0xF0 == NOTE_ON else self._echoed.discard)(key)
        return [status, pitch, velocity]

    def _note(self, on: bool, channel: int, pitch: int, tick: float, when: float) -> None:
        if self.hand.owns(channel, pitch):
            self.hand.note(on, channel, pitch, when)
            return
        at = max(0, snap(tick, self.quantiser.grid))
        if on:
            calls = self.turns.calls
            self.quantiser.note_on(pitch, tick)
            if self.turns.player_on(pitch, at):
                self.engine.send(Action("release"))  # the player takes over
            if self.turns.calls != calls:
                self.ear.new_call()
        else:
            self.quantiser.note_off(pitch, tick)
            self.turns.player_off(pitch, at)

    def _lost(self, tick: float, when: float) -> list[list[int]]:
        """The port went: no note-offs will come for what is held."""
        self.quantiser.cancel()
        self.turns.let_go(int(tick))
        self.hand.let_go(when)
        offs = [[NOTE_OFF | channel, pitch, 0] for channel, pitch in sorted(self._echoed)]
        self._echoed.clear()
        self.engine.tell(self.inbox.lost)
        self._told = True
        return offs

    def _chord(self, now: float) -> None:
        shape = self.hand.settled(now)
        if shape is not None:
            key = self.steering.key
            chord = held_chord(shape, bool(key and key.flats))
            self.engine.send(Change("held_chord", chord))

    def _follow_clock(self, messages: list[tuple[int, int, int]]) -> None:
        transport = self.transport
        transport.feed(self.inbox.take_pulses(), messages)
        if transport.silence:
            transport.silence = False
            self.engine.send(Action("panic"))
        where = transport.relocation()
        if where is not None:
            transport.start_map(self.engine.tempo, *where)
            grid = self.quantiser.grid  # play on from the next 16th, not between them
            self._jump = -(-where[0] // grid) * grid
            self.engine.send(Action("release"))
        self.inbox.wake_on_pulse = transport.state == ARMED

    # absorb: the player's notes into the model ----------------------------------------------
    def absorb(self) -> bool:
        self.steering.flush(self.engine.clock.now())
        events = self.quantiser.take()
        observe = getattr(self.theory, "observe", None)
        instrument = self.engine.settings.instrument
        for onset, pitch, duration in events:
            harmony = self.engine.sampler.harmony_for(onset)
            self.engine.predictor.commit(NoteEvent(pitch, duration, harmony, instrument), onset)
            if observe is not None:
                observe(pitch, duration, onset)
            if pitch is not None:
                self.ear.hear(pitch, duration)
        self.absorbed += len(events)
        key = self.steering.key
        if events and self.turns.mode == "follow" and key is not None:
            heard = self.ear.follow(key)
            if heard is not None:
                self.steering.change("key", heard, "phrase")
        return bool(events)

    # turn: may the engine play? ---------------------------------------------------------------
    def turn(self, onset: int) -> int | None:
        if self.transport is not None:
            if not self.transport.running:
                return None
            if self._jump is not None:
                onset, self._jump = self._jump, None
            else:  # here, after a note went out, not at the choice before the next one
                self.transport.lock(self.engine.tempo, self.engine.clock.now())
        before = self.turns.state
        turn = self.turns.turn(onset)
        key = self.steering.key
        if before == CALLING and self.turns.state == RESPONDING and key is not None:
            self._answer_key = self.ear.of_call(key)
            if self._answer_key is not None:
                self.steering.prewarm("key", self._answer_key)
        return turn

    def apply(self, setting: str, value: object) -> None:
        if setting == "jam":
            self.turns.set_mode(check_mode(value))
        elif setting == "held_chord":
            self.theory.hold_chord(value)

    def describe(self) -> dict:
        inbox, turns = self.inbox, self.turns
        held = getattr(self.theory, "held_chord", None)
        out = {"mode": turns.mode, "turn": turns.state if turns.answering else "playing",
               "input_ok": not inbox.lost, "message": inbox.lost, "received": inbox.received,
               "dropped": inbox.dropped, "bad": inbox.bad, "ignored": inbox.ignored,
               "absorbed": self.absorbed, "held_chord": held.name if held else ""}
        if self.transport is not None:
            out.update(transport=self.transport.state, clock_bpm=self.transport.follower.bpm)
        return out
