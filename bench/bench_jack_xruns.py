"""Xruns while playing on JACK: quiet, under a 2,000 msg/s input flood, and with the screen.

    python bench/bench_jack_xruns.py [--seconds 15] [--periods 256,1024]   (make bench)

For each period a private JACK server (dummy driver, 48 kHz) of its own, and rows played
side by side on it, each ``musicai-live --backend jack`` (the shipped model, 160 bpm) into
``jack_midi_dump`` for ``--seconds``:

* quiet: headless, no input;
* flood: headless, ``--input`` fed 2,000 messages a second (note-on/off pairs spread over
  the frames, ``tools/jack_flood.py``) through the output's own JACK-Client client;
* screen: the screen open on a tmux terminal (when tmux is installed), no input;
* screen + flood.

Xruns are counted by a JACK-Client monitor on the server for the row's length (the cycles the
server missed, whoever made it miss them); the engine's onset p99 is from its report. The
target is no xrun from our process callback: a row with more than the quiet row's share is
ours. No jackd: one line says so and nothing is measured.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from private_jack import PrivateJack  # noqa: E402

REPORT = re.compile(r"p50 ([\d.]+) ms, p99 ([\d.]+) ms, max ([\d.]+) ms")


def xrun_monitor(name: str) -> tuple[object, list[int]]:
    import jack

    monitor = jack.Client(name, no_start_server=True)
    count = [0]
    monitor.set_xrun_callback(lambda delay: count.__setitem__(0, count[0] + 1))
    monitor.activate()
    return monitor, count


def live_args(seconds: float, flood: bool) -> list[str]:
    bars = max(2, round(seconds * 160 / 240))
    args = ["-m", "musicai.live.cli", "--backend", "jack", "--bpm", "160", "--bars", str(bars),
            "--seed", "5", "--port", "midi-monitor:input"]
    return args + (["--input", "flood:out", "--jam", "follow"] if flood else [])


def headless(env: dict, seconds: float, flood: bool) -> str:
    done = subprocess.run([sys.executable, *live_args(seconds, flood), "--headless"],
                          capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=seconds + 60)
    return done.stderr


def on_screen(env: dict, seconds: float, flood: bool) -> str | None:
    tmux = shutil.which("tmux")
    if tmux is None:
        return None
    socket = f"musicai-xruns-{os.getpid()}-{time.monotonic_ns()}"
    folder = Path(tempfile.mkdtemp())
    cmd = " ".join([sys.executable, *live_args(seconds, flood), "--takes", str(folder),
                    "; sleep 30"])
    subprocess.run([tmux, "-L", socket, "new-session", "-d", "-x", "120", "-y", "40", cmd],
                   check=True, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + seconds + 40
        while time.monotonic() < deadline:
            pane = subprocess.run([tmux, "-L", socket, "capture-pane", "-p", "-J"],
                                  capture_output=True, text=True).stdout
            if REPORT.search(pane):
                return pane
            time.sleep(0.5)
        return ""
    finally:
        subprocess.run([tmux, "-L", socket, "kill-server"], capture_output=True)


def row(server: PrivateJack, seconds: float, flood: bool, screen: bool) -> dict | None:
    env = dict(server.env, TERM="xterm-256color")
    dump = subprocess.Popen(["jack_midi_dump", "-a"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=server.env)
    sender = None
    if flood:
        sender = subprocess.Popen([sys.executable, str(ROOT / "tools" / "jack_flood.py"),
                                   "flood", "2000"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True, env=server.env)
        sender.stdout.readline()
    os.environ["JACK_DEFAULT_SERVER"] = server.name
    monitor, xruns = xrun_monitor("xrun-monitor")
    try:
        time.sleep(0.5)
        before = xruns[0]
        text = on_screen(env, seconds, flood) if screen else headless(env, seconds, flood)
        counted = xruns[0] - before
    finally:
        monitor.deactivate()
        monitor.close()
        if sender is not None:
            sender.stdin.close()
            sender.wait(10)
        dump.terminate()
        dump.wait(5)
    if text is None:
        return None
    found = REPORT.search(text or "")
    return {"xruns": counted, "p99": float(found.group(2)) if found else float("nan"),
            "flood_seen": bool(re.search(r"input: [1-9][\d,]* messages", text or ""))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--periods", default="256,1024")
    args = parser.parse_args(argv)
    missing = [t for t in ("jackd", "jack_lsp", "jack_midi_dump") if not shutil.which(t)]
    if missing:
        print(f"bench_jack_xruns: {', '.join(missing)} not found ('make jack'); skipped")
        return 0
    print(f"xruns on a private JACK server, {args.seconds:g} s per row, 48000 Hz, load "
          f"{os.getloadavg()[0]:.1f}")
    print(f"{'period':>6} {'row':<16} {'xruns':>6} {'per minute':>10} {'onset p99 ms':>12}")
    for period in (int(p) for p in args.periods.split(",")):
        try:
            server = PrivateJack(48000, period, stem=7_000_000)
        except RuntimeError as err:
            raise SystemExit(f"bench_jack_xruns: {err}") from err
        try:
            for name, flood, screen in (("quiet", False, False), ("flood 2,000/s", True, False),
                                        ("screen", False, True),
                                        ("screen + flood", True, True)):
                result = row(server, args.seconds, flood, screen)
                if result is None:
                    print(f"{period:>6} {name:<16} (tmux not installed)")
                    continue
                note = "" if not flood or result["flood_seen"] else "  (flood not seen!)"
                print(f"{period:>6} {name:<16} {result['xruns']:>6} "
                      f"{60 * result['xruns'] / args.seconds:>10.1f} {result['p99']:>12.2f}"
                      f"{note}")
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
