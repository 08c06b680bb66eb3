"""What the player controls: one frozen ``SamplerSettings`` value.

The engine swaps the whole value between two notes (``dataclasses.replace(s, key=...)`` or
``TheorySampler.update(key=...)``); the next note uses it, and the sampler's state (phrase
position, history, RNG) carries on. ``key`` and ``progression`` also accept text ("F# dorian",
"ii-V-I") or a list of numerals; an empty progression (or None) means the key's default
(``theory/chords.py``), which then follows every key change.

Defaults and what each field does:

==========================  ==============  ====================================================
field                       default         meaning
==========================  ==============  ====================================================
key                         C major         scale for ``strictness``, tonic for cadences
strictness                  0.8             0: no key penalty; 1: out-of-key notes never play;
                                            between: their probability x (1 - s) ** 3
progression                 ()              Roman numerals, a chord per ``bars_per_chord`` bars
bars_per_chord              1
beats_per_bar, beat_ticks   4, 480          the meter (6/8: 6 beats of 240 ticks)
phrase_length               8               notes per phrase (rests don't count); last: cadence
phrase_bars                 0               > 0: phrases of that many bars instead (cadence:
                                            the first note of the last bar)
direction                   "auto"          auto (rise then fall), up, down, none
contour                     1.0             strength of the direction bias (0 = none)
temperature                 1.0             base temperature, shaped along the phrase
temperature_swing           1.0             depth of that shape (0 = flat)
register_low, _high         60, 84          soft walls; hard limit an octave past them
max_repeats                 3               most times one pitch sounds in a row
ngram_n, ngram_strength     3, 1.0          continuing an n-gram (of intervals or pitches)
ngram_memory, ngram_on      16, "interval"  seen in the last notes costs strength per use
rest_bias                   0.0             added to the model's rest log-odds (-inf: none)
rest_rate                   0.04            least rest probability (flat logits: this)
breath                      0.3             least rest probability right after a cadence
max_rests_in_row            1               and never more than one bar of silence
cadence_rate                0.75            cadences aimed at the tonic (others: chord tones)
rhythm                      1.0             weight of the duration shaping (0 = model only)
velocity, accent            80, 1.0         base velocity, accent depth (``velocity``)
humanise                    3.0             velocity jitter spread, seeded
form                        "AABA"          phrase letters (AABA, ABAC, AABB, ABAB, any 2..8 of
                                            A-H) or "free"; phrases of ``phrase_bars`` bars (4
                                            when phrases are counted in notes) (``form``)
repeat                      0.7             0: never restate; 1: restated bars are copies
density                     6.5             notes per bar the rhythm aims at (1..16); 0: off
loop, mutate                0, 0.0          loop N: replay the last N bars; mutate: the share
                                            of looped notes changed on each pass
recentre                    True            up/down: leap back into the register at the wall
==========================  ==============  ====================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from musicai.live.errors import SamplerError
from musicai.live.theory.chords import Numeral, default_progression, parse_progression
from musicai.live.theory.keys import Key

DIRECTIONS = ("auto", "up", "down", "none")
FORMS = ("AABA", "ABAC", "AABB", "ABAB", "free")  # the named ones; any 2..8 letters A-H play
FORM_PHRASE_BARS = 4
NGRAM_KINDS = ("interval", "pitch")
C_MAJOR = Key(0, "major")


@dataclass(frozen=True)
class SamplerSettings:
    """Every control of the theory sampler (see the module docstring for the table)."""

    key: Key = C_MAJOR
    strictness: float = 0.8
    progression: tuple[Numeral, ...] = ()
    bars_per_chord: int = 1
    beats_per_bar: int = 4
    beat_ticks: int = 480
    phrase_length: int = 8
    phrase_bars: int = 0
    direction: str = "auto"
    contour: float = 1.0
    temperature: float = 1.0
    temperature_swing: float = 1.0
    register_low: int = 60
    register_high: int = 84
    max_repeats: int = 3
    ngram_n: int = 3
    ngram_strength: float = 1.0
    ngram_memory: int = 16
    ngram_on: str = "interval"
    rest_bias: float = 0.0
    rest_rate: float = 0.04
    breath: float = 0.3
    max_rests_in_row: int = 1
    cadence_rate: float = 0.75
    rhythm: float = 1.0
    velocity: int = 80
    accent: float = 1.0
    humanise: float = 3.0
    form: str = "AABA"
    repeat: float = 0.7
    density: float = 6.5
    loop: int = 0
    mutate: float = 0.0
    recentre: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", Key.parse(self.key))
        if self.progression is None:
            object.__setattr__(self, "progression", ())
        elif isinstance(self.progression, str) or any(
                not isinstance(n, Numeral) for n in self.progression):
            progression = parse_progression(self.progression) if self.progression else ()
            object.__setattr__(self, "progression", progression)
        object.__setattr__(self, "direction", str(self.direction).lower())
        form = str(self.form).strip()
        object.__setattr__(self, "form", "free" if form.lower() == "free" else form.upper())
        if isinstance(self.recentre, str):
            object.__setattr__(self, "recentre", self.recentre.lower() in ("1", "on", "true"))
        _validate(self)
        phrase_bars = self.phrase_bars or (
            FORM_PHRASE_BARS if self.form != "free" and self.repeat > 0 else 0)
        object.__setattr__(self, "_bars_in_phrase", phrase_bars)  # read several times a note

    @property
    def numerals(self) -> tuple[Numeral, ...]:
        """The progression in use: the chosen one, or the key's default."""
        return self.progression or default_progression(self.key)

    @property
    def bar_ticks(self) -> int:
        return self.beats_per_bar * self.beat_ticks

    @property
    def bars_in_phrase(self) -> int:
        """Bars per phrase when phrases are counted in bars: ``phrase_bars``, or 4 when a
        form is playing (forms are made of bars); 0 when phrases are counted in notes."""
        return self._bars_in_phrase


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise SamplerError(message)


def _validate(s: SamplerSettings) -> None:
    _check(0.0 <= s.strictness <= 1.0, f"strictness {s.strictness} is outside 0..1")
    _check(s.direction in DIRECTIONS,
           f'direction "{s.direction}" is not one of {", ".join(DIRECTIONS)}')
    _check(s.ngram_on in NGRAM_KINDS, f'ngram_on "{s.ngram_on}" is not one of interval, pitch')
    _check(0.01 <= s.temperature <= 20.0, f"temperature {s.temperature} is outside 0.01..20")
    _check(0.0 <= s.temperature_swing <= 2.0,
           f"temperature_swing {s.temperature_swing} is outside 0..2")
    _check(1 <= s.beats_per_bar <= 16, f"beats_per_bar {s.beats_per_bar} is outside 1..16")
    _check(s.beat_ticks in (120, 240, 360, 480, 720, 960),
           f"beat_ticks {s.beat_ticks} is not one of 120, 240, 360, 480, 720, 960")
    _check(s.bars_per_chord >= 1, f"bars_per_chord {s.bars_per_chord} must be at least 1")
    _check(2 <= s.phrase_length <= 64, f"phrase_length {s.phrase_length} is outside 2..64")
    _check(0 <= s.phrase_bars <= 32, f"phrase_bars {s.phrase_bars} is outside 0..32")
    _check(0 <= s.register_low < s.register_high <= 127,
           f"register {s.register_low}..{s.register_high} is not a range of MIDI notes "
           "(low < high, 0..127)")
    _check(s.max_repeats >= 1, f"max_repeats {s.max_repeats} must be at least 1")
    _check(2 <= s.ngram_n <= 8, f"ngram_n {s.ngram_n} is outside 2..8")
    _check(s.ngram_memory >= s.ngram_n,
           f"ngram_memory {s.ngram_memory} must be at least ngram_n ({s.ngram_n})")
    _check(s.max_rests_in_row >= 0, f"max_rests_in_row {s.max_rests_in_row} is negative")
    _check(0.0 <= s.cadence_rate <= 1.0, f"cadence_rate {s.cadence_rate} is outside 0..1")
    _check(1 <= s.velocity <= 127, f"velocity {s.velocity} is outside 1..127")
    for name in ("rest_rate", "breath"):
        value = getattr(s, name)
        _check(0.0 <= value <= 0.9, f"{name} {value} is outside 0..0.9")
    for name in ("contour", "ngram_strength", "rhythm", "accent", "humanise"):
        value = getattr(s, name)
        _check(math.isfinite(value) and value >= 0, f"{name} {value} must be 0 or more")
    _check(s.form == "free" or (2 <= len(s.form) <= 8 and set(s.form) <= set("ABCDEFGH")),
           f'form "{s.form}" is not free or 2..8 letters A-H (like {", ".join(FORMS[:4])})')
    _check(0.0 <= s.repeat <= 1.0, f"repeat {s.repeat} is outside 0..1")
    _check(s.density == 0 or 1.0 <= s.density <= 16.0,
           f"density {s.density} is not 0 (off) or 1..16 notes per bar")
    _check(0 <= s.loop <= 16, f"loop {s.loop} is not 0 (off) or 1..16 bars")
    _check(0.0 <= s.mutate <= 1.0, f"mutate {s.mutate} is outside 0..1")
    _check(not math.isnan(s.rest_bias) and s.rest_bias != math.inf,
           f"rest_bias {s.rest_bias} must be a number or -inf")
