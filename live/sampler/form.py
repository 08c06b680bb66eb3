"""Form: at each bar line, whether the coming bar restates an earlier one, and how.

Phrases are ``phrase_bars`` bars (4 when phrases are counted in notes); a ``form`` such as
``AABA`` names them in turn and then starts again. For the bar at position b of a phrase:

* **a letter heard before** (the second A, the last A): the bar restates bar b of the latest
  phrase with that letter, with probability ``repeat``: exactly (the same degrees in the
  key now) or varied (the same rhythm with a weaker pull on the pitches, two thirds of them left
  to the model). Its last bar is left free and ends on the tonic: the answer (consequent)
  starts like the question (antecedent) and resolves where the question stayed open (its
  last bar asks for a half cadence).
* **a new letter** (and with ``form free``): from the second bar on, with probability
  ``0.6 x repeat``, the bar restates the bar before (or the one two before, pairing bars) as
  a sequence (shifted by the chord's move) or as it was: motifs developing inside a phrase.
  Its last bar stays free for the cadence.
* **loop N** overrides all of it: every bar restates the bar N bars back, forced (so the last
  N bars go round), and ``mutate m`` changes that share of its notes on each pass (a changed
  note may not keep its pitch; the change stays in the loop, as magenta's mutate does).

The pull is a bias on the model's logits (``strength`` log units, more with more ``repeat``),
so the model still chooses among candidates; ``repeat 1`` and loops force the copy.
``repeat 0`` (and no loop) never restates: the sampler plays as it did before forms existed.
Decisions draw from their own generator, four numbers per bar, so the note-level draws of the
sampler are the same whatever the form does.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from musicai.live.sampler.motif import MotifMemory
from musicai.live.sampler.settings import SamplerSettings

REPEAT_GAIN = 12.0  # log units of pull per unit of repeat (0.7: 8.4, about e**8 = 4,000 to 1)
VARY_SHARE = 0.65  # of a varied bar's notes, the share left to the model
VARY_PULL = 0.4  # a varied bar's pull, relative to an exact one
EXACT_SHARE = 0.4  # of restated bars, the share restated exactly (the rest varied)
SEQUENCE_SHARE = 0.6  # of developing bars inside a new phrase, the share made sequences
DEVELOP = 0.85  # how much likelier than not a bar inside a new phrase develops a motif
DRAWS = 4


class BarPlan(NamedTuple):  # a tuple: one is made per bar on the engine thread
    """What one bar does. ``source`` None: free (the model and the theory rules alone)."""

    source: int | None = None
    sequence: bool = False
    strength: float = 0.0  # log units; math.inf forces the copy
    free: frozenset[int] = frozenset()  # source event indices left to the model
    ban: bool = False  # those free notes must change pitch (mutate)
    cadence: str | None = None  # "full" or "half": the phrase's cadence here; None: its own
    letter: str = ""  # the form letter of the phrase, for the screen
    kind: str = "free"  # free, exact, varied, sequence, loop


FREE = BarPlan()


def letters(settings: SamplerSettings) -> str:
    return "" if settings.form == "free" else settings.form


def plan_bar(settings: SamplerSettings, bar: int, memory: MotifMemory,
             rng: np.random.Generator, loop_from: int | None) -> BarPlan:
    u = rng.random(DRAWS)
    form = letters(settings)
    length = settings.bars_in_phrase or 4
    phrase, at = divmod(bar, length)
    letter = form[phrase % len(form)] if form else ""
    if settings.loop and loop_from is not None:
        return _loop(settings, bar, memory, rng, u, letter)
    if settings.repeat <= 0.0:
        return BarPlan(letter=letter)
    cadence = _cadence(form, phrase, at, length)
    source_phrase = _earlier(form, phrase) if form else None
    last = at == length - 1
    if source_phrase is not None and not last:
        source = source_phrase * length + at
        if memory.get(source) is not None and u[0] < settings.repeat:
            return _restate(settings, source, memory, rng, u, letter, cadence)
    elif at >= 1 and not last and u[0] < DEVELOP * settings.repeat:
        back = 2 if at >= 2 and at % 2 == 0 and u[3] < 0.5 else 1
        source = bar - back
        if memory.get(source) is not None:
            plan = _restate(settings, source, memory, rng, u, letter, cadence)
            if u[2] < SEQUENCE_SHARE:
                return BarPlan(source, True, plan.strength, plan.free, False, cadence, letter,
                               "sequence")
            return plan
    return BarPlan(cadence=cadence, letter=letter)


def _restate(settings: SamplerSettings, source: int, memory: MotifMemory,
             rng: np.random.Generator, u: np.ndarray, letter: str,
             cadence: str | None) -> BarPlan:
    if settings.repeat >= 1.0:
        return BarPlan(source, False, math.inf, frozenset(), False, cadence, letter, "exact")
    strength = REPEAT_GAIN * settings.repeat
    if u[1] < EXACT_SHARE:
        return BarPlan(source, False, strength, frozenset(), False, cadence, letter, "exact")
    notes = _note_indices(memory, source)
    free = _pick(rng, notes, VARY_SHARE)
    return BarPlan(source, False, strength * VARY_PULL, free, False, cadence, letter,
                   "varied")


def _loop(settings: SamplerSettings, bar: int, memory: MotifMemory, rng: np.random.Generator,
          u: np.ndarray, letter: str) -> BarPlan:
    source = bar - settings.loop
    if memory.get(source) is None:
        return BarPlan(letter=letter)
    free = _pick(rng, _note_indices(memory, source), settings.mutate)
    return BarPlan(source, False, math.inf, free, True, None, letter, "loop")


def _note_indices(memory: MotifMemory, bar: int) -> list[int]:
    held = memory.get(bar)
    return [] if held is None else [i for i, e in enumerate(held.events) if e.pitch is not None]


def _pick(rng: np.random.Generator, indices: list[int], share: float) -> frozenset[int]:
    """``share`` of ``indices``, rounded stochastically so the share holds on average."""
    if not indices or share <= 0.0:
        return frozenset()
    wanted = share * len(indices)
    count = int(wanted) + (rng.random() < wanted - int(wanted))
    chosen = rng.permutation(len(indices))[:count]
    return frozenset(indices[i] for i in chosen)


def _earlier(form: str, phrase: int) -> int | None:
    """The latest phrase before this one with the same letter (this cycle or the one
    before): the tune restates what was heard last, so a varied A is varied further."""
    size = len(form)
    letter = form[phrase % size]
    back = next((k for k in range(1, size + 1) if form[(phrase - k) % size] == letter), None)
    if back is None or phrase - back < 0:
        return None
    return phrase - back


def cadence_of(settings: SamplerSettings, bar: int) -> str | None:
    """The cadence a form gives this bar ("full", "half"), None for other bars: a fixed
    function of the position, so the harmony of a bar is known before it is played."""
    form = letters(settings)
    length = settings.bars_in_phrase or 4
    phrase, at = divmod(bar, length)
    return _cadence(form, phrase, at, length)


def _cadence(form: str, phrase: int, at: int, length: int) -> str | None:
    """Question and answer: a phrase whose letter comes back later in the cycle asks (half
    cadence); a restated phrase, and the cycle's last phrase, answer (on the tonic)."""
    if not form or at != length - 1:
        return None
    size, index = len(form), phrase % len(form)
    letter = form[index]
    if index == size - 1 or form.index(letter) < index:
        return "full"
    if letter in form[index + 1:]:
        return "half"
    return None
