"""A throw-away JACK server (dummy driver) under a name of its own, for tests and benchmarks.

The shared test server (tools/with-jack.sh) runs at 64 frames in synchronous mode. A test or a
benchmark that needs another period, or that SIGKILLs a client (which wedges a synchronous
server's graph for every client after it), starts one of these; ``env`` points clients at it.
"""

from __future__ import annotations

import os
import subprocess
import time


class PrivateJack:
    def __init__(self, rate: int, period: int, synchronous: bool = True,
                 stem: int = 9_000_000, realtime: bool = False) -> None:
        # 20 characters, like tools/with-jack.sh's names (jack_lsp 1.9.21 crashes on some
        # lengths), and musicai-test-* so tools/jack-gc.sh may reclaim a slot it leaves.
        self.name = f"musicai-test-{stem + os.getpid() % 1_000_000:07d}"
        self.env = dict(os.environ, JACK_DEFAULT_SERVER=self.name, JACK_NO_START_SERVER="1",
                        JACK_NO_AUDIO_RESERVATION="1")
        mode = ["-S"] if synchronous else []
        # Real-time (SCHED_FIFO, as a musician's JACK runs) needs the right to it: root or an
        # rtprio limit; without it jackd carries on without, as --no-realtime does.
        priority = ["-R", "-P", "70"] if realtime else ["--no-realtime"]
        self.proc = subprocess.Popen(
            ["jackd", "-n", self.name, *mode, *priority, "-d", "dummy", "-r", str(rate),
             "-p", str(period)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env=self.env)
        deadline = time.monotonic() + 10
        while subprocess.run(["jack_lsp"], env=self.env, capture_output=True).returncode != 0:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"jackd -n {self.name} -r {rate} -p {period} did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
