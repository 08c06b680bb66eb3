"""A listener in its own process that writes down the JACK frame of every MIDI message.

    python tests/jack_frame_receiver.py CLIENT

Registers ``CLIENT:in`` on the server named by JACK_DEFAULT_SERVER, prints ``ready`` and
then one line per message: ``FRAME HEX`` (the absolute frame the message sounds at: the
cycle's first frame plus the event's offset in it). Frames are what a synth or a DAW hears,
so timing tests compare these, not arrival times in Python. A ``gone`` line says the server
went away. Ends on stdin closing.
"""

from __future__ import annotations

import sys
import threading
import time

import jack


def main(name: str) -> int:
    client = jack.Client(name, no_start_server=True)
    port = client.midi_inports.register("in")
    heard: list[tuple[int, bytes]] = []
    gone = threading.Event()

    @client.set_process_callback
    def process(frames: int) -> None:
        start = client.last_frame_time
        for offset, data in port.incoming_midi_events():
            heard.append((start + offset, bytes(data)))

    @client.set_shutdown_callback
    def shutdown(status: object, reason: str) -> None:
        gone.set()

    stdin_closed = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stdin_closed.set()), daemon=True).start()
    with client:
        print(f"ready {client.samplerate} {client.blocksize}", flush=True)
        shown = 0
        while not stdin_closed.is_set():
            while shown < len(heard):
                frame, data = heard[shown]
                print(frame, data.hex(), flush=True)
                shown += 1
            if gone.is_set():
                print("gone", flush=True)
                return 0
            time.sleep(0.005)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
