"""What the screen says, as pure functions of an engine snapshot (Rich ``Text``, no Textual).

Kept apart from the widgets so every line can be tested without a terminal. The jam features
(jam mode and turn, MIDI clock sync, dropped input; ``live/jam/controller.py``) come in the
snapshot's ``jam`` dict, empty without ``--input``: ``extra`` looks there (then on the snapshot
and in its sampler dict) and answers ``None`` for what is not there, and the screen says "off",
"-" or "internal"."""

from __future__ import annotations

from musicai.live.errors import MusicAIError
from musicai.live.theory.keys import Key
from rich.text import Text

ARROWS = {"up": "↑", "down": "↓", "none": "→", "auto": "↗↘"}
NAMES = {  # what the screen shows -> names the engine may use for it, first found wins
    "jam": ("mode", "jam"),
    "turn": ("turn",),
    "transport": ("transport",),
    "clock_bpm": ("clock_bpm",),
    "input_ok": ("input_ok",),
    "dropped": ("dropped", "dropped_input"),
}


def extra(snapshot: object, what: str) -> object | None:
    """A value the engine may or may not report (see ``NAMES``): the jam's dict first."""
    for place in (getattr(snapshot, "jam", None), getattr(snapshot, "sampler", None)):
        for name in NAMES[what]:
            if isinstance(place, dict) and place.get(name) is not None:
                return place[name]
    for name in NAMES[what]:
        if getattr(snapshot, name, None) is not None:
            return getattr(snapshot, name)
    return None


def sync(snapshot: object) -> str:
    """``internal``, or ``MIDI clock running 121`` when following a master clock."""
    transport = extra(snapshot, "transport")
    if transport is None:
        return "internal"
    bpm = extra(snapshot, "clock_bpm")
    return f"MIDI clock {transport}" + (f" {float(bpm):.0f}" if bpm else "")


def harmony(described: dict) -> Text:
    """``Key D minor   Scale D E F G A Bb C`` then the chord and the progression, the current
    chord highlighted."""
    text = Text()
    try:
        key = Key.parse(described.get("key", "C major"))
    except MusicAIError:
        key = Key()
    text.append("Key ", "dim").append(f"{key.tonic_name} ", "bold cyan")
    text.append(f"{key.mode}", "cyan").append("   Scale ", "dim")
    text.append(" ".join(key.note_name(pc) for pc in key.scale), "cyan")
    text.append("\nChord ", "dim").append(f"{described.get('chord', '-'):<6}", "bold yellow")
    text.append(" Prog ", "dim")
    numerals = [n for n in str(described.get("progression", "")).split("-") if n]
    at = described.get("chord_index", -1)
    for i, numeral in enumerate(numerals):
        text.append(f"[{numeral}]" if i == at else f" {numeral} ",
                    "bold reverse yellow" if i == at else "yellow")
    return text


def phrase_bar(slot: int, slots: int, width: int = 16) -> Text:
    """``■■■■□□□□ 4/8``: where the next note sits in its phrase (the last slot: cadence)."""
    slots = max(1, slots)
    cells = min(slots, width)
    filled = round((slot + 1) / slots * cells)
    text = Text("■" * filled, "green").append("□" * (cells - filled), "dim green")
    return text.append(f" {slot + 1}/{slots}")


def performance(snapshot: object, recording: str = "") -> Text:
    """Phrase bar, direction, temperature, tempo and sync, jam mode, mute and recording."""
    described = getattr(snapshot, "sampler", {}) or {}
    text = Text("Phrase ", "dim")
    text.append_text(phrase_bar(int(described.get("phrase_slot", 0)),
                                int(described.get("phrase_slots", 8))))
    direction = str(described.get("direction", "auto"))
    text.append("  Dir ", "dim").append(f"{ARROWS.get(direction, '?')} {direction}", "bold")
    text.append("  Temp ", "dim").append(f"{float(described.get('temperature', 1.0)):.2f}",
                                         "bold")
    text.append("\nTempo ", "dim").append(f"{getattr(snapshot, 'bpm', 120.0):.0f} bpm", "bold")
    text.append(f" ({sync(snapshot)})", "dim")
    text.append("  Jam ", "dim").append(str(extra(snapshot, "jam") or "off"), "bold magenta")
    if extra(snapshot, "turn") is not None:
        text.append(f" {extra(snapshot, 'turn')}", "magenta")
    text.append(f"  ch {getattr(snapshot, 'channel', 0) + 1}", "dim")
    if getattr(snapshot, "muted", False):
        text.append("  MUTED", "bold reverse red")
    if recording:
        text.append(f"  ● REC {recording}", "bold red")
    text.append("\n").append_text(form_line(described))
    style = getattr(snapshot, "style", "")
    if style:
        text.append("  Style ", "dim").append(style, "bold")
    return text


def form_line(described: dict) -> Text:
    """``Form AABA  [B] exact  Repeat 0.70  Density 6.5  Loop off``: the phrase letter now
    playing and what the bar does (exact, varied, sequence, loop, free)."""
    text = Text("Form ", "dim").append(str(described.get("form", "free")), "bold")
    letter = described.get("form_letter") or ""
    if letter:
        text.append(f"  [{letter}]", "bold cyan")
    text.append(f" {described.get('restating', 'free')}", "cyan")
    text.append("  Repeat ", "dim").append(f"{float(described.get('repeat', 0.0)):.2f}", "bold")
    density = float(described.get("density", 0.0))
    text.append("  Density ", "dim").append(f"{density:g}" if density else "off", "bold")
    loop = int(described.get("loop", 0))
    text.append("  Loop ", "dim").append(
        f"{loop} bars, mutate {float(described.get('mutate', 0.0)):.2f}" if loop else "off",
        "bold magenta" if loop else "bold")
    return text


def _ms(value: float, limit: float) -> Text:
    return Text(f"{value:.2f}", "bold red" if value > limit else "bold green")


def meters(snapshot: object, input_name: str = "") -> Text:
    """Inference and onset timing, late notes, fallbacks, dropped input and the ports."""
    s = snapshot
    text = Text("infer ", "dim").append_text(_ms(s.inference_p50_ms, 2.0)).append("/", "dim")
    text.append_text(_ms(s.inference_p99_ms, 4.0)).append(" ms p50/p99", "dim")
    text.append("  onset p99 ", "dim").append_text(_ms(s.jitter_p99_ms, 0.5))
    text.append(f" ms (max {s.jitter_max_ms:.1f})", "dim")
    text.append("  late ", "dim").append(str(s.late_notes), "bold red" if s.late_notes else "")
    text.append("  fallback ", "dim").append(str(s.fallbacks),
                                             "bold yellow" if s.fallbacks else "")
    dropped = extra(s, "dropped")
    text.append("  dropped in ", "dim").append("-" if dropped is None else str(dropped),
                                               "bold red" if dropped else "")
    text.append("\nout ", "dim").append(s.port or "-", "bold")
    text.append(" ok" if s.port_ok else " LOST", "green" if s.port_ok else "bold reverse red")
    latency = getattr(s, "port_latency_ms", 0.0)
    if latency:  # JACK-Client: every message at its frame, handed over this much early
        text.append(f" ahead {latency:.1f} ms", "dim")
        xruns = getattr(s, "xruns", 0)
        text.append(f" xruns {xruns}", "bold yellow" if xruns else "dim")
    text.append("  in ", "dim").append(input_name or "-", "bold")
    if input_name:
        ok = extra(s, "input_ok") is not False
        text.append(" ok" if ok else " LOST", "green" if ok else "bold reverse red")
    text.append(f"  {s.predictor}  notes {s.notes_played}", "dim")
    return text
