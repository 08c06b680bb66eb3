"""The install looks like what users run: one ``musicai`` namespace and four console scripts.

Why: the source folders are named live/, training/, export/, but installing them under those
generic top-level names would shadow or clash with other packages. pyproject maps them under
``musicai.``; a sub-package missing from its explicit list installs silently broken (absent
from a wheel), which an editable install in development would never show.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: pytest itself depends on tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIRS = {"live": "musicai.live", "training": "musicai.training", "export": "musicai.export",
               "models": "musicai.models"}
SCRIPTS = ("musicai-live", "musicai-train", "musicai-export", "musicai-data", "musicai-eval")


def _pyproject() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)


def _packages_on_disk() -> set[str]:
    """Dotted ``musicai.*`` names of every folder under the source dirs with an __init__.py."""
    found: set[str] = set()
    for folder, dotted in SOURCE_DIRS.items():
        base = ROOT / folder
        for init in base.rglob("__init__.py"):
            if "__pycache__" in init.parts:
                continue
            relative = init.parent.relative_to(base).parts
            found.add(".".join((dotted, *relative)))
    return found


def _clean_env() -> dict[str, str]:
    """The environment minus anything that would put the source tree on sys.path."""
    return {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}


def test_package_list_matches_the_folders() -> None:
    setuptools = _pyproject()["tool"]["setuptools"]
    declared = set(setuptools["packages"])
    on_disk = _packages_on_disk()
    assert on_disk - declared == set(), "add these to [tool.setuptools] packages in pyproject"
    assert declared - on_disk == set(), "these are listed in pyproject but have no __init__.py"
    assert setuptools["package-dir"] == {dotted: folder for folder, dotted in SOURCE_DIRS.items()}


def test_every_source_folder_is_a_package() -> None:
    """A folder of modules without __init__.py would be left out of the list (and the wheel)."""
    loose = sorted(
        str(folder.relative_to(ROOT))
        for name in SOURCE_DIRS
        for folder in [ROOT / name, *(ROOT / name).rglob("*")]
        if folder.is_dir()
        and folder.name != "__pycache__"
        and any(folder.glob("*.py"))
        and not (folder / "__init__.py").is_file()
    )
    assert loose == [], "add an __init__.py (and a pyproject packages entry) to these folders"


@pytest.mark.parametrize("name", sorted(SOURCE_DIRS))
def test_no_generic_top_level_package_is_installed(name: str, tmp_path: Path) -> None:
    """From outside the repository, ``import live`` fails and ``import musicai.live`` works."""
    code = (
        "import importlib, sys\n"
        "name = sys.argv[1]\n"
        "try:\n"
        "    importlib.import_module(name)\n"
        "except ModuleNotFoundError:\n"
        "    pass\n"
        "else:\n"
        "    sys.exit(f'a top-level {name!r} package is importable')\n"
        "print(importlib.import_module('musicai.' + name).__file__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, name],
        cwd=tmp_path,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr or done.stdout
    # The installed musicai.<name> is this checkout's folder (editable install), not a copy.
    assert Path(done.stdout.strip()).resolve().parent == ROOT / name


@pytest.mark.parametrize("script", SCRIPTS)
def test_console_script_prints_usage(script: str, tmp_path: Path) -> None:
    """Each entry point is installed next to the interpreter and answers --help."""
    path = Path(sys.executable).parent / script
    assert path.is_file(), f"{path} missing: reinstall with `make venv` (pip install -e .)"
    done = subprocess.run(
        [str(path), "--help"],
        cwd=tmp_path,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: {script}"), done.stdout
