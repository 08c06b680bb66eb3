"""The live instrument never loads TensorFlow.

Why: TensorFlow takes seconds and hundreds of MB to import and is only an optional extra
([train]); a stray import anywhere under ``musicai.live`` would make the instrument slow to
start and uninstallable without the training stack. The check runs in a fresh interpreter,
because this pytest process may already hold TensorFlow from other tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import TypedDict

import pytest

BANNED = ("tensorflow", "keras", "tf2onnx")


class LiveImports(TypedDict):
    imported: list[str]  # every module walk_packages found and imported
    failed: dict[str, str]  # module -> traceback of its import error
    banned_loaded: dict[str, str]  # banned top-level package -> first module that loaded it


_PROBE = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys, traceback

    import musicai.live

    banned = set(sys.argv[1:])
    imported, failed, culprits = [], {}, {}

    def note_banned(module):
        for name in list(sys.modules):
            top = name.split(".")[0]
            if top in banned and top not in culprits:
                culprits[top] = module

    def on_error(name):
        failed[name] = traceback.format_exc(limit=3)

    note_banned("musicai.live")
    # walk_packages imports packages itself to find their children; import every module too.
    for info in pkgutil.walk_packages(musicai.live.__path__, "musicai.live.", onerror=on_error):
        try:
            importlib.import_module(info.name)
            imported.append(info.name)
        except Exception:
            failed[info.name] = traceback.format_exc(limit=3)
        note_banned(info.name)

    print(json.dumps({"imported": imported, "failed": failed, "banned_loaded": culprits}))
    """
)


@pytest.fixture(scope="module")
def live_imports() -> LiveImports:
    """Import every module under musicai.live in a clean interpreter and report what loaded."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *BANNED],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_live_modules_do_not_load_tensorflow(live_imports: LiveImports) -> None:
    assert live_imports["banned_loaded"] == {}, (
        "a musicai.live module imports TensorFlow/Keras/tf2onnx; keep them in training/ or "
        f"export/: {live_imports['banned_loaded']}"
    )


def test_every_live_module_was_imported(live_imports: LiveImports) -> None:
    """The check above is only as good as its coverage: every module must actually import."""
    assert live_imports["failed"] == {}, "\n".join(
        f"{name}:\n{trace}" for name, trace in live_imports["failed"].items()
    )
    imported = set(live_imports["imported"])
    assert {"musicai.live.cli", "musicai.live.encoding"} <= imported
