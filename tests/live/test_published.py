"""Files are published whole, with ordinary permissions, or not at all."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from musicai.live.published import replacing, write_text


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_published_file_gets_the_mode_open_would_give(tmp_path: Path) -> None:
    target = tmp_path / "history.png"
    old = os.umask(0o022)
    try:
        write_text(target, "whole")
    finally:
        os.umask(old)
    assert target.read_text() == "whole"
    assert mode(target) == 0o644  # not mkstemp's 0600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.png"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "summary.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), replacing(target) as temp:
        temp.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]


def test_replacing_overwrites_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "a.npz"
    target.write_bytes(b"old")
    with replacing(target, ".npz.tmp") as temp:
        assert temp.parent == tmp_path and temp.name.endswith(".npz.tmp")
        temp.write_bytes(b"new")
    assert target.read_bytes() == b"new"
