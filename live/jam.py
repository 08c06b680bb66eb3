"""The jam: a player's MIDI input inside the engine's loop (the engine's ``Jam`` hook).

Everything here runs on the engine thread, at the points the engine chooses (``engine.py``):

* ``poll`` (whenever the engine drains commands: note boundaries and every wake-up) takes what
  the input callback left in the ``Inbox``: melody notes go to the quantiser and the turn
  taking, notes on the chord channel or below the split to the held chord, controller values
  are kept (latest per target), Start/Stop/Continue/Song Position and clock pulses go to the
  transport; in ``thru`` the notes come back to be echoed. No inference, no table building
  and no clock fit happens here.
* ``absorb`` (the top of each note, off the critical path) commits the player's finished
  notes to the predictor and the sampler's history, so the model continues from them; sends
  the controller changes (tables built here, before they are due); in ``follow`` mode moves
  the key at the next phrase when the player's key is clear.
* ``turn`` says where the engine may play: not while the transport is stopped, not while the
  player calls in call-and-response; it answers in the call's key when that is clear; with
  MIDI clock it locks the engine's tempo map to the master here, after each note.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .cc_map import CCMap, value_for
from .commands import Action, Change
from .encoding import NoteEvent
from .encoding.grid import snap
from .errors import MusicAIError
from .jam_key import KeyEar
from .jam_quantise import DEFAULT_GRID, Quantiser
from .jam_turns import CALLING, RESPONDING, Turns, check_mode
from .midi.inbox import CONTROL, NOTE_OFF, NOTE_ON, Inbox
from .midi.input_watch import LOST
from .sampler_held import tables_with
from .theory_held import held_chord
from .theory_keys import Key
from .transport import ARMED, Transport

CONTROL_EVERY = 0.05  # seconds between two rounds of controller changes
CHORD_SETTLE = 0.03  # seconds a chord shape must stay the same before it counts


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
        self.turns = Turns(setup.mode, setup.response_after)
        self.quantiser = Quantiser(setup.grid)
        self.transport = Transport() if setup.sync else None
        self.ear = KeyEar()
        self.theory = getattr(engine.sampler, "sampler", engine.sampler)
        self.absorbed = 0
        self._chord: dict[tuple[int, int], int] = {}  # (channel, pitch) -> pitch, held
        self._chord_shape: frozenset[int] = frozenset()  # the chord the hand holds
        self._chord_sent: frozenset[int] = frozenset()
        self._chord_at = 0.0  # when the shape last changed
        self._echoed: set[tuple[int, int]] = set()
        self._controls: dict[str, int] = {}
        self._controls_sent = -CONTROL_EVERY
        self._jump: int | None = None
        self._told = False  # the engine was told the input is lost
        self._answer_key: Key | None = None  # the call's key, sent as the answer begins

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
            elif kind == CONTROL and self.setup.cc is not None:
                self._controls[self.setup.cc.target(a) or ""] = b
            elif status == LOST:
                echo.extend(self._lost(tick_at(when)))
            elif self.transport is not None:
                transport.append((status, a, b))
        if self.transport is not None:
            self._follow_clock(now, transport)
        self._send_chord(now)
        if self._answer_key is not None and tick_at(now) >= self.turns.response[0] - (
                self.quantiser.grid) and self.turns.state == RESPONDING:
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
        if self._is_chord(channel, pitch):
            self._chord_note(on, channel, pitch, when)
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

    def _is_chord(self, channel: int, pitch: int) -> bool:
        s = self.setup
        return channel == s.chord_channel or (s.split is not None and pitch < s.split)

    def _lost(self, tick: float) -> list[list[int]]:
        """The port went: no note-offs will come for what is held."""
        self.quantiser.cancel()
        self.turns.let_go(int(tick))
        self._chord.clear()
        self._chord_shape = frozenset()
        offs = [[NOTE_OFF | channel, pitch, 0] for channel, pitch in sorted(self._echoed)]
        self._echoed.clear()
        self.engine.tell(self.inbox.lost)
        self._told = True
        return offs

    def _chord_note(self, on: bool, channel: int, pitch: int, when: float) -> None:
        """Pressing sets the chord to what is held; lifting some fingers keeps it, lifting
        all of them lets the progression back."""
        if on:
            self._chord[(channel, pitch)] = pitch
        else:
            self._chord.pop((channel, pitch), None)
        if on or not self._chord:
            self._chord_shape, self._chord_at = frozenset(self._chord.values()), when

    def _send_chord(self, now: float) -> None:
        """Once the shape has settled (a chord's notes come a few ms apart)."""
        held = self._chord_shape
        if held != self._chord_sent and now - self._chord_at >= CHORD_SETTLE:
            self._chord_sent = held
            flats = bool(getattr(self.theory, "settings", None) and self.theory.settings.key.flats)
            self.engine.send(Change("held_chord", held_chord(held, flats)))

    def _follow_clock(self, now: float, messages: list[tuple[int, int, int]]) -> None:
        """Pulses and transport messages in the order they came (a message carries the
        count of pulses before it), then the engine's tempo map locked to the master."""
        transport, pulses, done = self.transport, self.inbox.take_pulses(), 0
        for status, value, seq in messages:
            upto = done
            while upto < len(pulses) and pulses[upto][0] <= seq:
                upto += 1
            transport.pulses(pulses[done:upto])
            transport.message(status, value, seq)
            done = upto
        transport.pulses(pulses[done:])
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
        self._send_controls()
        events = self.quantiser.take()
        observe = getattr(self.theory, "observe", None)
        instrument = self.engine.settings.instrument
        for onset, pitch, duration in events:
            harmony = self.engine.sampler.harmony_for(onset)
            self.engine.predictor.commit(NoteEvent(pitch, duration, harmony, instrument))
            if observe is not None:
                observe(pitch, duration, onset)
            if pitch is not None:
                self.ear.hear(pitch, duration)
        self.absorbed += len(events)
        if events and self.turns.mode == "follow" and hasattr(self.theory, "settings"):
            key = self.ear.follow(self.theory.settings.key)
            if key is not None:
                self._change("key", key, "phrase")
        return bool(events)

    def _send_controls(self) -> None:
        """The latest value per target, at most every ``CONTROL_EVERY``: a knob swept
        through a hundred values costs a few table builds, not a hundred."""
        now = self.engine.clock.now()
        if not self._controls or now - self._controls_sent < CONTROL_EVERY:
            return
        self._controls_sent = now
        key = self.theory.settings.key if hasattr(self.theory, "settings") else Key(0)
        for target, value in self._controls.items():
            if target:
                self._change(*value_for(target, value, key))
        self._controls.clear()

    def _change(self, setting: str, value: object, when: str = "note") -> None:
        """Queue a change, its tables built now, off the critical path, before it is due."""
        self._prewarm(setting, value)
        self.engine.send(Change(setting, value, when))

    def _prewarm(self, setting: str, value: object) -> None:
        theory = self.theory
        if setting in ("key", "temperature", "direction") and hasattr(theory, "settings"):
            try:
                settings = dataclasses.replace(theory.settings, **{setting: value})
                tables_with(settings, theory.vocab, theory.held_chord)
            except (MusicAIError, ValueError, TypeError):
                pass  # the change itself will report it

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
        if before == CALLING and self.turns.state == RESPONDING and hasattr(self.theory,
                                                                             "settings"):
            self._answer_key = self.ear.of_call(self.theory.settings.key)
            if self._answer_key is not None:
                self._prewarm("key", self._answer_key)
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
            bpm = self.transport.follower.bpm
            out.update(transport=self.transport.state, clock_bpm=bpm)
        return out
