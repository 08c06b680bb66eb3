"""The engine: a clock-driven loop that turns predictions into sounding notes on time.

(Over 300 lines on purpose: the loop, its waits, its command dispatch and its reporting all
run on the engine thread and share its state without locks; the parts that can stand alone
are beside it: ``desk.py``, ``timeline.py``, ``snapshot.py``, ``protocols.py``.)

One thread owns everything here. For each note it

1. waits (sending any note-offs that fall due) until ``lookahead`` before the note goes out,
2. applies the commands that are due at this note, then asks the sampler to choose the note
   from logits prepared earlier, so a change made up to ``lookahead`` before that lands on
   that very note (one after it waits for the next: a bar line at a chosen note is past),
3. waits for its time (sleep, then spin) and sends the note-on,
4. and only then runs the predictor for the following note, off the critical path. If that
   inference finishes too late for the next choice (the deadline guard), the next note is
   chosen by the theory sampler alone from flat logits, and the miss is counted.

Musical time is in ticks; the ``TempoMap`` converts to wall time at the moment of waiting, so a
tempo change re-times everything still ahead and keeps the phase. The map's times are when
things are *heard*: a port with a stated latency (JACK-Client: every message at its frame, one
period plus a margin after the time it is given) is handed each message that much early
(``ahead``), stamped with its time less the latency, so a listener hears each note at its place
on the map, the map that a player's frame-dated notes and a master clock's pulses are on too.
Commands come in through a non-blocking desk (``desk.py``); ``snapshot`` (``snapshot.py``) is
replaced, never mutated, after every note, for any UI to read from any thread. Whatever
happens (stop, error, lost port) every note this engine started is stopped: the output port's
panic runs in a ``finally``.

A ``Jam`` (live input, MIDI clock; ``live/jam/controller.py``; ``protocols.py``) plugs in at
three points, all on this thread: ``poll`` whenever the engine drains its commands (input is
drained there, and what it returns is echoed), ``absorb`` + ``turn`` at the top of each note
(the player's notes enter the predictor off the critical path, and ``turn`` says when the engine
may play: later, never for now, or at a new position). With ``clock_out`` the engine sends 24
PPQN MIDI clock from the same timeline as its note-offs, plus Start and Stop."""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from musicai.live.encoding import NoteEvent
from musicai.live.encoding.grid import TICKS_PER_QUARTER
from musicai.live.engine.clock import Clock, WallClock
from musicai.live.engine.commands import Action, Change, Command
from musicai.live.engine.desk import CommandDesk
from musicai.live.engine.protocols import Jam, Sampler
from musicai.live.engine.realtime import request_realtime
from musicai.live.engine.snapshot import EngineSnapshot, PlayedNote
from musicai.live.engine.stats import TimingRing
from musicai.live.engine.tempo import TempoMap, check_bpm
from musicai.live.engine.timeline import Timeline
from musicai.live.errors import MusicAIError
from musicai.live.inference.predictor import Predictor, TheoryOnlyPredictor
from musicai.live.midi.messages import CLOCK_TICKS, START, STOP, note_on
from musicai.live.midi.ports import OutputPort


@dataclass
class EngineSettings:
    bpm: float = 120.0
    channel: int = 0
    lookahead: float = 0.004  # seconds before an onset that the note is chosen
    gate: float = 0.92  # sounding share of a note's duration (legato without overlap)
    preroll: float = 0.05  # seconds from start() to the first onset
    late_threshold: float = 0.002  # a note-on later than this counts as late
    bars: int | None = None  # stop after this many bars (None: play until stopped)
    start: int = 0  # tick of the first onset (after a primer: where the primer ends)
    beats_per_bar: int = 4
    instrument: int = 0  # GM family passed to the predictor
    history: int = 256  # notes kept for the piano roll
    clock_out: bool = False  # send 24 PPQN MIDI clock, Start and Stop
    hold: float = 0.1  # seconds between looks while holding (listening, transport stopped)
    realtime: bool = True  # ask for SCHED_FIFO when playing on the wall clock (realtime.py)


class Engine:
    def __init__(self, predictor: Predictor, sampler: Sampler, output: OutputPort, *,
                 clock: Clock | None = None, settings: EngineSettings | None = None) -> None:
        self.predictor = predictor
        self.sampler = sampler
        self.output = output
        self.clock = clock or WallClock()
        self.settings = settings or EngineSettings()
        self.tempo = TempoMap(check_bpm(self.settings.bpm))
        self.desk = CommandDesk(lambda: self.settings.beats_per_bar,
                                lambda: bool(self.sampler.describe().get("phrase_start", True)))
        self.timeline = Timeline()
        self._wake = threading.Event()
        self._stop = False
        self._muted = False
        self._flat = TheoryOnlyPredictor(predictor.vocab)
        self._recent: deque[PlayedNote] = deque(maxlen=self.settings.history)
        self.inference = TimingRing()
        self.jitter = TimingRing()
        self.late_notes = 0
        self.fallbacks = 0
        self.notes_played = 0  # events: notes and rests
        self.rests_played = 0
        self._message = ""
        self.listeners: list[Callable[[PlayedNote], None]] = []
        self.change_listeners: list[Callable[[int, str, object], None]] = []
        self.snapshot = EngineSnapshot(bpm=self.tempo.bpm, channel=self.settings.channel,
                                       port=getattr(output, "name", ""),
                                       predictor=getattr(predictor, "name", ""))
        self.error: BaseException | None = None
        self.realtime = False  # whether the engine thread got real-time scheduling
        self.jam: Jam | None = None
        self._stale = False  # the predictor absorbed input since the logits were prepared
        self._restyled = False  # the style changed since: the next note is predicted again
        self._hush = False  # a panic/release came after the note was chosen: do not sound it
        self._chosen = -1  # onset of the last note chosen: commands arriving after it miss it
        self._approach = False  # between choosing a note and sending it: input does not wake
        self._input_waiting = False  # input arrived since the last drain

    # control from any thread --------------------------------------------------------------
    def send(self, command: Command) -> None:
        """Queue a command; never blocks. Invalid settings are reported in the snapshot."""
        self.desk.put(command)
        self._wake.set()

    def stop(self) -> None:
        self.send(Action("stop"))

    def tell(self, message: str) -> None:
        """Show a line in the snapshot (the jam: input lost, back)."""
        self._message = message

    def wake(self) -> None:
        """Make a waiting loop drain its commands and input now (any thread, never blocks).
        In a note's approach (chosen, waiting to send it) the input waits until the note is
        out: a flood of input must not make the note late (commands still wake: ``send``)."""
        self._input_waiting = True
        if not self._approach:
            self._wake.set()

    # the loop -------------------------------------------------------------------------------
    def run(self) -> None:
        """Play until stopped (or ``bars`` are done). Blocks; run it in a thread or process."""
        if self.settings.realtime and isinstance(self.clock, WallClock):
            self.realtime = request_realtime()
        try:
            self._run()
        except BaseException as err:
            self.error = err
            raise
        finally:
            self._silence()

    def _run(self) -> None:
        s = self.settings
        # the first note goes out ``ahead`` of its time: a preroll shorter would make it late
        self.tempo.start(self.clock.now() + max(s.preroll, self.ahead), s.start)
        if s.clock_out:
            self._send([START], self.clock.now())
            self.timeline.next_pulse = -(-s.start // CLOCK_TICKS) * CLOCK_TICKS
        end_tick = s.start + s.bars * s.beats_per_bar * TICKS_PER_QUARTER if s.bars else None
        onset = s.start
        logits = self._prepare(onset)
        self._publish(True)
        while not self._stop:
            if end_tick is not None and onset >= end_tick:
                break
            if self.jam is not None:
                self._stale |= self.jam.absorb()
                turn = self.jam.turn(onset)
                if turn is None:
                    if self._hold(end_tick):
                        break
                    continue
                if turn != onset or self._stale:
                    onset, self._stale = turn, False
                    logits = self._prepare(onset)
            if not self._wait_for(onset, s.lookahead):
                continue  # woken by a command (tempo may have changed): re-plan
            self._apply_due(onset)
            if self._stop:
                break
            if self._restyled:
                self._restyled = False
                logits = self._prepare(onset)
            self._hush = False
            if logits is None:  # the deadline guard fired while preparing
                logits, source = self._flat.predict(0), "fallback"
                self.fallbacks += 1
            else:
                source = "engine"
            choice = self.sampler.choose(logits[0], logits[1], onset)
            self._chosen = onset
            event = NoteEvent(choice.pitch, choice.duration, self.sampler.harmony_for(onset),
                              s.instrument)
            self._approach = True
            while not self._wait_for(onset, 0.0):
                if self._stop or self._hush:
                    break
            self._approach = False
            if self._input_waiting:  # came in the approach: drained at the next wait
                self._wake.set()
            if self._stop:
                break
            if self._hush:  # silenced between choosing and sounding: ask the jam again
                continue
            late = self._sound(event, choice.velocity, onset)
            self._after_note(PlayedNote(onset, event.pitch, event.duration,
                                        choice.velocity, source, late))
            self.predictor.commit(event, onset)
            onset += event.duration
            logits = self._prepare(onset)
        self._drain_offs(end_tick)
        self._publish(False)

    @property
    def ahead(self) -> float:
        """Seconds before its heard time that a message is handed to the port (its latency)."""
        return self.output.latency

    def _sent_at(self, tick: float) -> float:
        """When the message for ``tick`` is handed to the port, and the time it carries."""
        return self.tempo.time_of(tick) - self.ahead

    def _prepare(self, onset: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Logits for the note at ``onset``; None when they came too late to use."""
        started = time.perf_counter()
        logits = self.predictor.predict(self.sampler.harmony_for(onset), self.settings.instrument,
                                        onset)
        self.inference.add(time.perf_counter() - started)
        choose_at = self._sent_at(onset) - self.settings.lookahead
        return None if self.clock.now() > choose_at else logits

    def _wait_for(self, onset: int, before: float) -> bool:
        """Send due note-offs (and clock pulses) until ``before`` seconds ahead of handing
        ``onset``'s note to the port; False if woken."""
        while True:
            target = self._sent_at(onset) - before
            tick = self.timeline.next_tick()
            if tick is not None:
                when = self._sent_at(tick)
                if when <= target:
                    if not self.clock.wait_until(when, self._wake):
                        self._drain_commands()
                        return False
                    self._send(self.timeline.pop(tick), when)
                    continue
            if self.clock.wait_until(target, self._wake):
                return True
            self._drain_commands()
            return False

    def _hold(self, end_tick: int | None) -> bool:
        """Nothing to play yet (the player's turn, or the transport is stopped): send what
        falls due and wait for input, in slices. True once the bars are over."""
        now = self.clock.now()
        if end_tick is not None and self.tempo.tick_at(now) >= end_tick:
            return True
        # a slice of ``hold`` seconds from now (waits run ``ahead`` of the map's times)
        until = math.ceil(self.tempo.tick_at(now + self.settings.hold + self.ahead))
        if not self._wait_for(until, 0.0):
            self._publish(True)  # woken by input: show the jam's new state
        return False

    def _sound(self, event: NoteEvent, velocity: int, onset: int) -> float:
        scheduled = self._sent_at(onset)
        if event.pitch is None or self._muted:
            return 0.0
        channel = self.settings.channel
        self._send(note_on(channel, event.pitch, velocity), scheduled)
        late = self.clock.now() - scheduled
        self.jitter.add(late)
        if late > self.settings.late_threshold:
            self.late_notes += 1
        gate = max(1, int(event.duration * self.settings.gate))
        self.timeline.note_off_at(onset + gate, channel, event.pitch)
        return late

    def _send(self, message: list[int], when: float) -> None:
        try:
            self.output.send(message, when)
        except OSError as err:
            self._message = f"output port {self.output.name!r} lost ({err}); stopping"
            self._stop = True

    def _drain_offs(self, end_tick: int | None = None) -> None:
        """The last note-offs on time; with clock out, pulses go on to the end of the last
        bar (or the last note-off), so a DAW following us stops where the take does."""
        timeline = self.timeline
        if self._stop:
            timeline.next_pulse = None  # stopped: no more pulses, the note-offs at once
        elif timeline.next_pulse is not None:
            last = max(end_tick or 0, timeline.last_off())
            while timeline.next_pulse <= last or timeline.owes_offs:
                tick = timeline.next_tick()
                when = self._sent_at(tick)
                self.clock.wait_until(when)
                self._send(timeline.pop(tick), when)
            return
        while timeline.owes_offs:
            tick, message = timeline.pop_off()
            when = self._sent_at(tick)
            if self._stop:  # stopped: the note-offs now (a frame-stamping port plays them
                when = min(when, self.clock.now())  # at the time it is given)
            else:
                self.clock.wait_until(when)
            self._send(message, when)

    def _silence(self) -> None:
        self.timeline.clear_offs()
        with contextlib.suppress(OSError, ValueError):
            if self.timeline.next_pulse is not None:
                self.timeline.next_pulse = None
                self.output.send([STOP], self.clock.now())
        with contextlib.suppress(OSError):
            self.output.panic()

    # commands (on the engine thread) --------------------------------------------------------
    def _drain_commands(self) -> None:
        self._wake.clear()
        self._input_waiting = False
        if self.jam is not None:
            now = self.clock.now()
            for message in self.jam.poll(now):
                self._send(message, now)
        # Stamped with the first tick still open: the note chosen last (up to ``ahead`` plus
        # the lookahead before it sounds) is settled, so a bar line at it is the next bar's.
        open_tick = max(int(self.tempo.tick_at(self.clock.now())), self._chosen + 1)
        for command in self.desk.arrived(open_tick):
            if isinstance(command, Action):
                self._act(command.name)
            else:
                self._apply(command)

    def _act(self, name: str) -> None:
        if name == "stop":
            self._stop = True
        elif name == "panic":
            self.timeline.clear_offs()
            self._hush = True
            self.output.panic()
            self._message = "panic: all notes off"
        elif name == "release":  # the engine's own notes off now (the player takes over)
            self._hush = True
            now = self.clock.now()
            while self.timeline.owes_offs:
                self._send(self.timeline.pop_off()[1], now)

    def _apply_due(self, onset: int) -> None:
        self._drain_commands()
        for change in self.desk.due(onset):
            self._apply(change, onset)

    def _apply(self, change: Change, onset: int | None = None) -> None:
        """Apply one change; listeners get the tick it lands on (the note's onset)."""
        try:
            if change.setting == "bpm":
                self.tempo.set_bpm(float(change.value), self.clock.now())
            elif change.setting == "channel":
                channel = int(change.value)
                if not 0 <= channel <= 15:
                    raise ValueError(f"channel {channel + 1} is not 1..16")
                self.settings.channel = channel
            elif change.setting == "mute":
                self._muted = bool(change.value)
            elif change.setting == "style":  # the model's input: from the next note on
                self.predictor.set_style(str(change.value))
                self._restyled = True
            elif self.jam is not None and change.setting in self.jam.settings:
                self.jam.apply(change.setting, change.value)
            else:
                self.sampler.apply(change.setting, change.value)
        except (MusicAIError, ValueError, TypeError) as err:
            self._message = f"{change.setting}: {err}"
            return
        tick = onset if onset is not None else int(self.tempo.tick_at(self.clock.now()))
        for listener in self.change_listeners:
            listener(tick, change.setting, change.value)

    def _style_name(self) -> str:
        styles = getattr(self.predictor, "styles", ())
        context = getattr(self.predictor, "context", None)
        return styles[context.style] if styles and context is not None else ""

    # reporting ------------------------------------------------------------------------------
    def _after_note(self, note: PlayedNote) -> None:
        self.notes_played += 1
        self.rests_played += note.pitch is None
        self._recent.append(note)
        for listener in self.listeners:
            listener(note)
        self._publish(True)

    def _publish(self, running: bool) -> None:
        ms = 1000.0
        self.snapshot = EngineSnapshot(
            running=running,
            tick=int(self.tempo.tick_at(self.clock.now())),
            bpm=self.tempo.bpm,
            channel=self.settings.channel,
            muted=self._muted,
            notes_played=self.notes_played,
            rests_played=self.rests_played,
            sampler=self.sampler.describe(),
            recent=tuple(self._recent),
            inference_p50_ms=self.inference.percentile(50) * ms,
            inference_p99_ms=self.inference.percentile(99) * ms,
            jitter_p50_ms=self.jitter.percentile(50) * ms,
            jitter_p99_ms=self.jitter.percentile(99) * ms,
            jitter_max_ms=self.jitter.maximum() * ms,
            late_notes=self.late_notes,
            fallbacks=self.fallbacks,
            port=self.output.name,
            port_ok=self.output.lost is None,
            port_latency_ms=getattr(self.output, "latency", 0.0) * ms,
            xruns=getattr(self.output, "xruns", 0),
            realtime=self.realtime,
            message=self._message,
            predictor=getattr(self.predictor, "name", ""),
            style=self._style_name(),
            jam=self.jam.describe() if self.jam is not None else {},
        )
