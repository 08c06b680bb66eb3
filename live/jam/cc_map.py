"""Control changes that steer the instrument: which controller moves what, and how far.

A map comes from ``--cc temperature=21,direction=22`` or ``--cc FILE.toml``::

    # any channel; controller numbers 0..119 (120..127 are channel mode messages)
    [cc]
    temperature = 21
    direction = 22
    key = 23
    jam = 24
    mute = 25

(the ``[cc]`` table may be left out). Values 0..127 mean, per target:

==============  ======================================================================
temperature     0.25 * 2 ** (value / 32): 0 -> 0.25, 32 -> 0.5, 64 -> 1.0, 96 -> 2.0,
                127 -> 3.9 (each step of 32 doubles it)
direction       0-31 down, 32-63 none, 64-95 auto, 96-127 up
key             tonic around the circle of fifths, 12 zones of 10-11 values:
                0-10 C, 11-21 G, 22-31 D, 32-42 A, 43-53 E, 54-63 B, 64-74 F#, 75-85 Db,
                86-95 Ab, 96-106 Eb, 107-117 Bb, 118-127 F; the mode stays; lands at
                the next bar line
jam             0-31 accompany, 32-63 call-response, 64-95 follow, 96-127 thru
mute            64-127 muted, 0-63 playing (a sustain-pedal style switch)
repeat          value / 127: 0 never restates, 127 copies; lands at the next bar line
density         2 + 6 * value / 127 notes per bar (0 -> 2, 64 -> 5, 127 -> 8); next bar
form            5 zones: free, AABA, ABAC, AABB, ABAB; lands at the next phrase
loop            4 zones: off, 1, 2, 4 bars; lands at the next bar line (a pedal: 0/127)
mutate          value / 127 of the looped notes change on each pass
style           5 zones: bach, essen, oneills, ryans, airds (a model of encoding 2); next note
==============  ======================================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from musicai.live.encoding.vocab import STYLES
from musicai.live.errors import JamError
from musicai.live.jam.turns import MODES
from musicai.live.theory.keys import Key

TARGETS = ("temperature", "direction", "key", "jam", "mute", "repeat", "density", "form",
           "loop", "mutate", "style")
STYLE_ZONES = STYLES[1:]  # the collections ("other" is no one's choice)
FORM_ZONES = ("free", "AABA", "ABAC", "AABB", "ABAB")
LOOP_ZONES = (0, 1, 2, 4)
DIRECTIONS = ("down", "none", "auto", "up")
MAX_CONTROLLER = 119
USAGE = ('write TARGET=CC pairs joined by commas, e.g. "temperature=21,direction=22", or give '
         f"a .toml file; targets: {', '.join(TARGETS)}; controllers 0..{MAX_CONTROLLER}")


@dataclass(frozen=True)
class CCMap:
    controls: tuple[tuple[int, str], ...]  # (controller, target), sorted by controller

    @property
    def controllers(self) -> frozenset[int]:
        return frozenset(c for c, _ in self.controls)

    def target(self, controller: int) -> str | None:
        return dict(self.controls).get(controller)


def parse_cc(spec: str) -> CCMap:
    """Read ``--cc``: a TOML file (a name ending .toml, or an existing file), else pairs."""
    path = Path(spec)
    if spec.lower().endswith(".toml") or path.is_file():
        return load_cc_file(path)
    pairs = []
    for item in (part.strip() for part in spec.split(",")):
        target, sep, number = item.partition("=")
        if not sep:
            raise JamError(f"{spec!r}: {item!r} is not TARGET=CC; {USAGE}")
        pairs.append((target.strip(), number.strip()))
    return build_map(pairs, repr(spec))


def load_cc_file(path: Path) -> CCMap:
    try:
        import tomllib  # Python 3.11+
    except ModuleNotFoundError:
        raise JamError(f"{str(path)!r}: TOML files need Python 3.11 or later; "
                       'write the map on the command line: "temperature=21,..."') from None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise JamError(f"{str(path)!r}: no such file; {USAGE}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise JamError(f"{str(path)!r}: cannot read it ({err})") from None
    except tomllib.TOMLDecodeError as err:
        raise JamError(f"{str(path)!r}: not valid TOML ({err})") from None
    table = data.get("cc", data)
    if not isinstance(table, dict) or not table:
        raise JamError(f"{str(path)!r}: no controls in it; {USAGE}")
    return build_map(list(table.items()), f"{str(path)!r}")


def build_map(pairs: list[tuple[str, object]], where: str) -> CCMap:
    controls: dict[int, str] = {}
    for target, number in pairs:
        if target not in TARGETS:
            raise JamError(f"{where}: unknown target {target!r}; {USAGE}")
        if isinstance(number, bool) or not str(number).isdigit():
            raise JamError(f"{where}: {target}={number!r} is not a controller number; {USAGE}")
        controller = int(str(number))
        if controller > MAX_CONTROLLER:
            raise JamError(f"{where}: {target}={controller} is not a controller 0.."
                           f"{MAX_CONTROLLER} (120..127 are channel mode messages)")
        if controller in controls:
            raise JamError(f"{where}: controller {controller} is given to both "
                           f"{controls[controller]} and {target}")
        if target in controls.values():
            raise JamError(f"{where}: {target} is given twice")
        controls[controller] = target
    return CCMap(tuple(sorted(controls.items())))


def value_for(target: str, value: int, key: Key) -> tuple[str, object, str]:
    """(setting, value, boundary) of the ``Change`` a controller value asks for."""
    value = min(max(int(value), 0), 127)
    if target == "temperature":
        return "temperature", round(0.25 * 2.0 ** (value / 32.0), 3), "note"
    if target == "direction":
        return "direction", DIRECTIONS[value // 32], "note"
    if target == "key":
        return "key", Key(value * 12 // 128 * 7 % 12, key.mode), "bar"
    if target == "jam":
        return "jam", MODES[value // 32], "note"
    if target == "mute":
        return "mute", value >= 64, "note"
    if target == "repeat":
        return "repeat", round(value / 127, 3), "bar"
    if target == "density":
        return "density", round(2.0 + 6.0 * value / 127, 2), "bar"
    if target == "form":
        return "form", FORM_ZONES[value * len(FORM_ZONES) // 128], "phrase"
    if target == "loop":
        return "loop", LOOP_ZONES[value // 32], "bar"
    if target == "mutate":
        return "mutate", round(value / 127, 3), "note"
    if target == "style":
        return "style", STYLE_ZONES[value * len(STYLE_ZONES) // 128], "note"
    raise JamError(f"unknown CC target {target!r}; use one of {', '.join(TARGETS)}")
