"""A JACK-Client sender that floods a MIDI port: note-on/note-off pairs at RATE messages a
second, spread over each cycle's frames, until stdin closes.

    JACK_DEFAULT_SERVER=... python tools/jack_flood.py CLIENT RATE

Registers ``CLIENT:out`` and prints ``ready``; the flood starts at once (0 for none) and
``sent N`` is printed at the end. Used by bench/bench_jack_xruns.py.
"""

from __future__ import annotations

import sys

import jack


def main(name: str, rate: float) -> int:
    client = jack.Client(name, no_start_server=True)
    port = client.midi_outports.register("out")
    state = {"due": 0.0, "sent": 0}

    @client.set_process_callback
    def process(frames: int) -> None:
        port.clear_buffer()
        state["due"] += rate * frames / client.samplerate
        count = int(state["due"])
        state["due"] -= count
        for i in range(count):
            n = state["sent"] + i
            message = (0x90, 36 + n // 2 % 48, 64) if n % 2 == 0 else (0x80, 36 + n // 2 % 48, 0)
            try:
                port.write_midi_event(i * frames // max(count, 1), message)
            except jack.JackError:  # the buffer is full this cycle
                break
        state["sent"] += count

    with client:
        print("ready", flush=True)
        sys.stdin.read()
    print(f"sent {state['sent']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], float(sys.argv[2])))
