"""A sequencer in its own process that writes MIDI messages at exact JACK frames.

    python tests/jack_frame_sender.py CLIENT COUNT SPACING [HEX [EXTRA_HEX@INDEX]]

Registers ``CLIENT:out`` on the server named by JACK_DEFAULT_SERVER and prints ``ready``;
after a line on stdin (connect first) it writes COUNT messages (HEX, default a note-on),
SPACING frames apart, each at its own offset in the cycle that holds its frame (as a DAW's
sequencer or clock does), starting two periods ahead, and EXTRA_HEX just before message number
INDEX at its frame (``fa@48``: MIDI Start before the 49th clock pulse, as a DAW that sends
clock while stopped does); then prints ``sent FIRST_FRAME`` and ends.
"""

from __future__ import annotations

import sys
import threading

import jack


def main(name: str, count: int, spacing: int, message: bytes, extra: bytes = b"",
         at: int = -1) -> int:
    client = jack.Client(name, no_start_server=True)
    port = client.midi_outports.register("out")
    go, done = threading.Event(), threading.Event()
    plan: dict[str, int] = {}

    @client.set_process_callback
    def process(frames: int) -> None:
        port.clear_buffer()
        start = client.last_frame_time
        if not go.is_set() or done.is_set():
            return
        if "first" not in plan:
            plan["first"] = plan["next"] = start + 2 * frames
            plan["left"] = count
        while plan["left"] and plan["next"] < start + frames:
            if count - plan["left"] == at:
                port.write_midi_event(max(0, plan["next"] - start), extra)
            port.write_midi_event(max(0, plan["next"] - start), message)
            plan["next"] += spacing
            plan["left"] -= 1
        if not plan["left"]:
            done.set()

    with client:
        print(f"ready {client.samplerate} {client.blocksize}", flush=True)
        sys.stdin.readline()
        go.set()
        done.wait(60)
        print(f"sent {plan.get('first', -1)}", flush=True)
    return 0


if __name__ == "__main__":
    hex_message = sys.argv[4] if len(sys.argv) > 4 else "903c64"
    extra_hex, _, index = (sys.argv[5] if len(sys.argv) > 5 else "@-1").partition("@")
    sys.exit(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), bytes.fromhex(hex_message),
                  bytes.fromhex(extra_hex), int(index)))
