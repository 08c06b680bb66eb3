"""The engine process behind the screen: the link carries snapshots up and commands and take
toggles down, the run's lines come after the performance, a bad port fails before any screen,
and a vanished screen stops the engine."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from musicai.live.engine.commands import Change
from musicai.live.screen_engine import child_main
from musicai.live.session import Options
from musicai.live.tui.link import EngineLink


def options(tmp_path: Path, **changes) -> Options:
    return Options(model="none", seed=3, bpm=400.0, headless=False, takes=tmp_path,
                   **changes).checked()


def wait(condition, link: EngineLink, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        link.poll(0.05)


def test_snapshots_up_commands_and_takes_down(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    link = EngineLink(options(tmp_path), child_main)
    try:
        assert link.wait_ready()
        link.poll(0.3)
        assert link.snapshot.notes_played == 0  # it waits until the screen is drawn
        link.go()
        assert "playing C major at 400 bpm" in capsys.readouterr().err
        wait(lambda: link.snapshot.notes_played >= 3, link)
        link.send(Change("key", "D minor"))
        wait(lambda: link.snapshot.sampler.get("key") == "D minor", link)
        link.takes.toggle()
        wait(lambda: link.takes.recording.startswith("take-"), link)
        wait(lambda: link.snapshot.notes_played >= 12, link)
        link.takes.toggle()
        wait(lambda: link.takes.recording == "", link)
        assert link.step()  # still playing
        link.ask_stop()
        wait(lambda: not link.step(), link)
    finally:
        status = link.finish()
    err = capsys.readouterr().err
    assert status == 0 and "played" in err and "note-on timing" in err
    assert "recording" in err and "take written to" in err
    assert len(list(tmp_path.glob("take-*.mid"))) == 1
    assert not link.process.is_alive()


def test_a_bad_port_fails_before_the_screen(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    link = EngineLink(options(tmp_path, backend="winmm", port="nowhere"), child_main)
    assert not link.wait_ready()
    assert link.finish() == 2
    assert "musicai-live:" in capsys.readouterr().err


def test_the_engine_stops_when_the_screen_goes_away(tmp_path: Path) -> None:
    link = EngineLink(options(tmp_path), child_main)
    try:
        assert link.wait_ready()
        link.go()
        wait(lambda: link.snapshot.notes_played >= 2, link)
        link._down.close()  # as if the screen's process had died
        wait(lambda: link.status is not None, link)
        assert link.status == 0
    finally:
        link.finish()
