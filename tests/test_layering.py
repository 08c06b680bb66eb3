"""The arrows of DESIGN.md's layering only point one way, and no modules import in a circle.

Why: the pure parts (theory, sampler, encoding) are what every model and test relies on;
once one of them imports the engine or a MIDI port, it can no longer be used or tested alone.
``live/`` must start without TensorFlow. A circle makes import order matter and hides which
part depends on which. The checker is run on small broken trees too, so it is shown to fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from layering import cycles, graph, modules, wrong_way

ROOT = Path(__file__).resolve().parents[1]


def test_the_tree_has_no_arrow_the_wrong_way() -> None:
    _, found = graph(ROOT)
    assert wrong_way(found) == []


def test_the_tree_has_no_import_circle() -> None:
    ours, found = graph(ROOT)
    assert cycles(ours, found) == []


def test_the_checker_sees_the_whole_tree() -> None:
    ours = modules(ROOT)
    for name in ("musicai.live.sampler.theory_sampler", "musicai.live.engine.loop",
                 "musicai.live.theory", "musicai.training.train", "musicai.export.convert"):
        assert name in ours
    _, found = graph(ROOT)
    loop = {a.target for a in found if a.source == "musicai.live.engine.loop"}
    assert "musicai.live.engine.clock" in loop  # relative and absolute imports both resolve


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for folder in ("live", "training", "export", "models"):
        (tmp_path / folder).mkdir(exist_ok=True)
        (tmp_path / folder / "__init__.py").touch()
    return tmp_path


@pytest.mark.parametrize(("rel", "line", "expected"), [
    ("live/sampler/core.py", "from musicai.live.midi.ports import OutputPort",
     "musicai.live.sampler must not import musicai.live.midi"),
    ("live/theory/keys.py", "from ..engine import loop",
     "musicai.live.theory must not import musicai.live.engine"),
    ("live/encoding/grid.py", "def f():\n    from musicai.live.tui import app\n",
     "musicai.live.encoding must not import musicai.live.tui"),
    ("live/cli.py", "import tensorflow as tf", "musicai.live must not import tensorflow"),
    ("live/session.py", "from musicai.training import train",
     "musicai.live must not import musicai.training"),
    ("training/train.py", "from musicai.export.convert import convert",
     "musicai.training must not import musicai.export"),
])
def test_a_wrong_arrow_is_named(tmp_path: Path, rel: str, line: str, expected: str) -> None:
    root = _tree(tmp_path, {
        rel: line + "\n",
        "live/sampler/__init__.py": "", "live/theory/__init__.py": "",
        "live/encoding/__init__.py": "", "live/engine/__init__.py": "",
        "live/engine/loop.py": "", "live/tui/__init__.py": "", "live/tui/app.py": "",
        "live/midi/__init__.py": "", "live/midi/ports.py": "",
    })
    _, found = graph(root)
    problems = wrong_way(found)
    assert len(problems) == 1 and expected in problems[0], problems


def test_allowed_arrows_pass(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "live/engine/__init__.py": "", "live/engine/loop.py": "from ..theory import keys\n",
        "live/theory/__init__.py": "from .keys import Key\n", "live/theory/keys.py": "Key = 1\n",
        "export/convert.py": "from musicai.training import train\n", "training/train.py": "",
    })
    ours, found = graph(root)
    assert wrong_way(found) == []
    assert cycles(ours, found) == []  # a facade __init__ and its submodule are no circle


def test_type_checking_imports_are_no_arrow(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "live/tui/__init__.py": "",
        "live/tui/app.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                           "    from .link import Link\n",
        "live/tui/link.py": "from .app import App\n",
    })
    ours, found = graph(root)
    assert cycles(ours, found) == []


def test_a_circle_is_found(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "live/session.py": "from .tui.link import run\n",
        "live/tui/__init__.py": "",
        "live/tui/link.py": "from .side import main\n",
        "live/tui/side.py": "def main():\n    from .. import session\n",
        "live/cli.py": "from . import session\n",
    })
    ours, found = graph(root)
    assert cycles(ours, found) == [["musicai.live.session", "musicai.live.tui.link",
                                    "musicai.live.tui.side"]]
