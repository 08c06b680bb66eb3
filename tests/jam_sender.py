"""A MIDI keyboard / clock master in its own process, for the JACK jam tests.

    python tests/jam_sender.py CLIENT MODE JSON

opens a JACK MIDI output port ``CLIENT:out``, prints ``ready``, waits for a line on stdin,
then sends, each message on time (sleep, then spin), and prints one JSON line: the
``time.perf_counter()`` of every send (the same clock as the test's receiver on Linux). Modes:

* ``script``: JSON is a list of [seconds after go, [bytes...]];
* ``clock``: JSON is {"bpm": B, "pulses": N, "start": P, "stops": [[pulse, pulse], ...]}:
  N clock pulses from go, Start just before pulse P, Stop after each first and Continue
  just before each second pulse of the pairs, Stop after the last pulse;
* ``flood``: JSON is {"rate": messages per second, "seconds": S}: clock, active sensing,
  system exclusive, unmapped controllers, aftertouch, orphan note-offs, running-status
  garbage and out-of-range bytes, in bursts every 5 ms.
"""

from __future__ import annotations

import json
import os
import sys
import time

import rtmidi


def wait_until(deadline: float) -> float:
    while True:
        now = time.perf_counter()
        if now >= deadline:
            return now
        if deadline - now > 0.002:
            time.sleep(deadline - now - 0.0015)


def clock_script(spec: dict) -> list[tuple[float, list[int]]]:
    step = 60.0 / (24 * spec["bpm"])
    out: list[tuple[float, list[int]]] = []
    stops = {a: b for a, b in spec.get("stops", [])}
    resumes = set(stops.values())
    for pulse in range(spec["pulses"]):
        at = pulse * step
        if pulse == spec["start"]:
            out.append((at, [0xFA]))
        if pulse in resumes:
            out.append((at, [0xFB]))
        out.append((at, [0xF8]))
        if pulse in stops:
            out.append((at + step / 2, [0xFC]))
    out.append((spec["pulses"] * step, [0xFC]))
    return out


FLOOD = ([0xF8], [0xFE], [0xF0, 0x7D, 1, 2, 3, 4, 5, 6, 0xF7], [0xB0, 99, 10], [0xA0, 60, 5],
         [0x80, 71, 0], [0xF8], [0xFE], [0x3C, 0x40], [0xE0, 0, 64])


def flood_script(spec: dict) -> list[tuple[float, list[int]]]:
    burst = max(1, int(spec["rate"] * 0.005))
    out = []
    for i in range(int(spec["seconds"] / 0.005)):
        for j in range(burst):
            out.append((i * 0.005, FLOOD[(i * burst + j) % len(FLOOD)]))
    return out


def main() -> None:
    client, mode, spec = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    midi = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name=client)
    midi.open_virtual_port("out")
    script = {"script": lambda s: [(t, list(m)) for t, m in s], "clock": clock_script,
              "flood": flood_script}[mode](spec)
    print("ready", flush=True)
    sys.stdin.readline()
    go = time.perf_counter() + 0.05
    sent = []
    parent = os.getppid()
    for i, (at, message) in enumerate(script):
        sent.append(wait_until(go + at))
        midi.send_message(message)
        if i % 64 == 0 and os.getppid() != parent:
            return  # the test died: do not flood on
    time.sleep(0.05)
    print(json.dumps({"go": go, "sent": sent}), flush=True)
    sys.stdin.readline()  # stay (port open) until told to go
    midi.close_port()
    midi.delete()


if __name__ == "__main__":
    main()
