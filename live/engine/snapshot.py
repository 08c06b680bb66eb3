"""What the engine reports: each played note, and an immutable snapshot for any UI.

The snapshot is replaced, never mutated, after every note, so a screen on another thread (or
the link to another process) reads a consistent copy without a lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PlayedNote:
    onset: int  # ticks
    pitch: int | None  # None for a rest
    duration: int  # ticks
    velocity: int
    source: str = "engine"  # "engine", "fallback" (deadline guard), "input"
    late: float = 0.0  # seconds between scheduled and actual send


@dataclass(frozen=True)
class EngineSnapshot:
    """Everything a UI shows, copied out after each note; safe to read from any thread."""

    running: bool = False
    tick: int = 0
    bpm: float = 120.0
    channel: int = 0
    muted: bool = False
    notes_played: int = 0  # events played: notes and rests
    rests_played: int = 0
    sampler: dict = field(default_factory=dict)
    recent: tuple[PlayedNote, ...] = ()
    inference_p50_ms: float = 0.0
    inference_p99_ms: float = 0.0
    jitter_p50_ms: float = 0.0
    jitter_p99_ms: float = 0.0
    jitter_max_ms: float = 0.0
    late_notes: int = 0
    fallbacks: int = 0
    port: str = ""
    port_ok: bool = True
    port_latency_ms: float = 0.0  # a frame-stamping port's constant delay (JACK-Client)
    xruns: int = 0  # JACK cycles the server missed while we played
    realtime: bool = False
    message: str = ""
    predictor: str = ""
    style: str = ""  # the collection a v2 model imitates ("" when the model has none)
    jam: dict = field(default_factory=dict)
