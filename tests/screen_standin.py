"""The screen's process without the Textual app: the real ``EngineLink`` and engine process,
stepped as the app steps them. Run by tests/live/tui/test_process_death.py.

    python tests/screen_standin.py PORT MODE

MODE ``hold-pipe``: once playing, start a process that inherits the link's pipe (so the pipe
stays open when this process dies), print both pids, then wait to be killed.
MODE ``step``: print the engine's pid and step the link until the engine ends; exit with the
link's status.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from musicai.live.screen_engine import child_main
from musicai.live.session import Options
from musicai.live.tui.link import EngineLink


def main() -> int:
    port, mode = sys.argv[1], sys.argv[2]
    options = Options(model="none", seed=5, bpm=300.0, headless=False, takes=Path("."),
                      port=port, backend="jack").checked()
    link = EngineLink(options, child_main)
    if not link.wait_ready():
        return link.finish()
    link.go()
    while link.snapshot.notes_played < 2:
        link.poll(0.05)
    if mode == "hold-pipe":
        holder = subprocess.Popen(["sleep", "600"], pass_fds=(link._down.fileno(),))
        print(link.process.pid, holder.pid, flush=True)
        while True:
            time.sleep(1)
    print(link.process.pid, flush=True)
    while link.step():
        time.sleep(0.05)
    return link.finish()


if __name__ == "__main__":
    sys.exit(main())
