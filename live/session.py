"""Wiring one run of the instrument: predictor, sampler, output port, take, engine.

Everything that can be wrong with what the user typed is found here, before any port opens or
any note sounds: each problem is a ``MusicAIError`` with one line for the user. ``run`` then
hands the built engine to ``perform`` and turns the outcome into an exit status.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from musicai.live.encoding.grid import TICKS_PER_QUARTER
from musicai.live.engine.loop import Engine, EngineSettings
from musicai.live.engine.tempo import check_bpm
from musicai.live.errors import ModelFileError, NoMidiSystemError
from musicai.live.headless import NotePrinter
from musicai.live.inference.onnx_predictors import load_predictor
from musicai.live.inference.predictor import Predictor, TheoryOnlyPredictor
from musicai.live.jam.options import JamOptions
from musicai.live.jam.wiring import start_jam
from musicai.live.livecode.script_watch import ScriptWatcher, script_chore
from musicai.live.midi.backends import NO_MIDI, choose_backend, open_for
from musicai.live.midi.discovery import TITLES
from musicai.live.midi.discovery import list_ports as backend_ports
from musicai.live.midi.jack_output import server_line
from musicai.live.midi.take import TakeInfo, TakeRecorder, check_path
from musicai.live.perform import perform, report
from musicai.live.primer import Primer, feed
from musicai.live.sampler.engine_sampler import EngineSampler
from musicai.live.sampler.settings import SamplerSettings
from musicai.live.sampler.theory_sampler import TheorySampler
from musicai.live.theory.keys import Key
from musicai.live.tui.options import check_tui_options
from musicai.models import shipped

#: The shipped model: package data of musicai.models (the repository's models/ folder).
DEFAULT_MODEL = shipped("default.onnx")


def say(line: str) -> None:
    print(f"musicai-live: {line}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Options:
    """A run's choices, already in engine units (channel 0..15)."""

    port: str | None = None
    backend: str | None = None
    model: str | None = None  # a path, "none", or None for the default model
    key: str = "C major"
    bpm: float = 120.0
    direction: str = "auto"
    temperature: float = 1.0
    progression: str | None = None
    form: str = "AABA"
    repeat: float = 0.7
    density: float = 6.5
    channel: int = 0
    seed: int = 0
    bars: int | None = None
    record: Path | None = None
    headless: bool = True
    jam: JamOptions = field(default_factory=JamOptions)  # --input, --jam, ... (jam_options)
    script: Path | None = None  # live-coding file, re-applied on save (livecode/script_watch.py)
    takes: Path = Path(".")  # folder for takes the screen's r key records
    primer: Primer | None = None  # a melody to continue (--primer), already read
    style: str | None = None  # the collection a v2 model imitates (--style)

    def checked(self) -> Options:
        """Raise the first problem (TheoryError, SamplerError, TempoError, ...) as one line."""
        check_bpm(self.bpm)
        self.sampler_settings()
        if self.model not in (None, "none") and not Path(self.model).is_file():
            raise ModelFileError(self.model, "no such file; give an .onnx model or --model none")
        if self.record is not None:
            check_path(self.record)
        check_tui_options(self.script, self.takes)
        return self

    def sampler_settings(self) -> SamplerSettings:
        return SamplerSettings(key=self.key, progression=self.progression or (),
                               direction=self.direction, temperature=self.temperature,
                               form=self.form, repeat=self.repeat, density=self.density)


@dataclass
class Parts:
    """What one run plays with, built and primed, before any port opens."""

    predictor: Predictor
    sampler: EngineSampler
    settings: EngineSettings
    note: str | None  # a line to say (no model: theory only)


def build(options: Options, predictor: Predictor | None = None) -> Parts:
    """Predictor, sampler and engine settings for ``options``; the primer, if any, fed through
    the model and the sampler, and the first onset where it ends. A given ``predictor`` (a
    batch of renders) is reset and used again instead of loading the model once more."""
    note = None
    if predictor is None:
        predictor, note = choose_predictor(options.model)
    else:
        predictor.reset()
    if options.style is not None:
        choose_style(predictor, options.style)
    sampler = build_sampler(options)
    settings = EngineSettings(bpm=options.bpm, channel=options.channel, bars=options.bars,
                              clock_out=options.jam.clock_out)
    if options.primer is not None:
        feed(options.primer, predictor, sampler, settings.instrument)
        settings.start = options.primer.end
    return Parts(predictor, sampler, settings, note)


def choose_style(predictor: Predictor, style: str) -> None:
    try:
        predictor.set_style(style)
    except ValueError as err:
        raise ModelFileError(getattr(predictor, "name", "model"),
                             f"--style {style}: {err}") from err


def choose_predictor(model: str | None) -> tuple[Predictor, str | None]:
    """``none`` -> theory only; no --model -> the shipped model if it exists, else theory."""
    if model == "none":
        return TheoryOnlyPredictor(), None
    if model is None:
        if not DEFAULT_MODEL.is_file():
            return TheoryOnlyPredictor(), (f"no model at {DEFAULT_MODEL}; playing theory only "
                                           "(--model PATH to choose one)")
        model = str(DEFAULT_MODEL)
    return load_predictor(model), None


def build_sampler(options: Options) -> EngineSampler:
    """The theory sampler the engine steers (``live/sampler/theory_sampler.py``), seeded."""
    return EngineSampler(TheorySampler(options.sampler_settings(), seed=options.seed))


def list_ports(backend: str | None) -> int:
    chosen = choose_backend(backend)
    if chosen is None:
        raise NoMidiSystemError(NO_MIDI.split(";")[0] + "; start JACK (jackd -d dummy) or "
                                "pick --backend")
    outputs, inputs = backend_ports(chosen)
    print(f"{TITLES[chosen]} outputs (--port):")
    print("\n".join(f"  {name}" for name in outputs) or "  (none)")
    print(f"{TITLES[chosen]} inputs:")
    print("\n".join(f"  {name}" for name in inputs) or "  (none)")
    if chosen == "jack" and (line := server_line()):
        print(line)
    return 0


class ScreenLink(Protocol):
    """The screen's hold on the engine process (``live/screen_engine.py``'s ``LinkFront``)."""

    def attach(self, engine: Engine, take: TakeRecorder | None, info: TakeInfo, folder: Path,
               input_name: str) -> None: ...

    def stopped(self, engine: Engine) -> None: ...


def run(options: Options, link: ScreenLink | None = None) -> int:
    """Play one run: headless here, or as the engine process behind the screen, which calls
    with ``link`` (the screen's Python work must not delay the notes; ``live/cli.py`` decides
    which)."""
    if not options.headless and link is None:
        raise ValueError("a run with the screen goes through tui.link.run_on_screen")
    parts = build(options)
    predictor, sampler, settings, note = (parts.predictor, parts.sampler, parts.settings,
                                          parts.note)
    take = make_take(options, predictor.name, sampler, settings.gate)
    output, port_note = open_for(options.backend, options.port)
    for line in (note, port_note):
        if line:
            say(line)
    engine = Engine(predictor, sampler, output, settings=settings)
    jam = start_jam(engine, options.jam, options.backend, say)
    key = Key.parse(options.key)
    if options.primer is not None:
        say(primer_line(options.primer))
    say(f"playing {key.name} at {options.bpm:g} bpm into {output.name} "
        f"({predictor.name}, seed {options.seed}); " + ("Ctrl-C stops" if options.headless
                                                         else "q quits"))
    if timing := output.describe():
        say(timing)
    if options.headless:
        if take is not None:
            engine.listeners.append(take.on_note)
            engine.change_listeners.append(take.on_change)
        printer = NotePrinter(engine, sampler.chord_name_for, flats=bool(key.flats))
        chores = ([script_chore(engine, ScriptWatcher(options.script), say)]
                  if options.script else [])
        for chore in chores:  # the script's first version lands on the first note
            chore()
        outcome = perform(engine, printer, take,
                          chores=[*chores, *(jam.chores if jam else ())])
    else:  # the engine process behind the screen: it adopts the --record take
        link.attach(engine, take, take_info(options, predictor.name, sampler, settings.gate),
                    options.takes, jam.listener.name if jam else "")
        outcome = perform(engine, None, take, chores=jam.chores if jam else ())
        link.stopped(engine)
    if jam is not None:
        jam.close()
    report(engine, outcome, say)
    if take is not None and take.error is None:
        say(f"take written to {take.path} ({take.notes_written} notes)")
    return outcome.status


def make_take(options: Options, model: str, sampler: EngineSampler,
              gate: float) -> TakeRecorder | None:
    """The take recorder for ``--record`` (the path is checked again: it fails at start)."""
    if options.record is None:
        return None
    return TakeRecorder(options.record, take_info(options, model, sampler, gate))


def take_info(options: Options, model: str, sampler: EngineSampler, gate: float) -> TakeInfo:
    key = sampler.describe()["key"]
    primer = options.primer.take_notes() if options.primer is not None else ()
    return TakeInfo(options.bpm, key, options.seed, model, options.channel, gate, primer=primer)


def primer_line(primer: Primer) -> str:
    return (f"continuing {primer.path.name} ({primer.part}, {primer.notes} notes, "
            f"{primer.end / TICKS_PER_QUARTER:g} beats)")
