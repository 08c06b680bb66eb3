"""Takes: the performance recorded as it is played, safe against crashes.

The engine's listeners only append to lists (one cheap call on its thread). A background thread
rewrites the whole file every ``interval`` seconds (longer once a long take makes a rewrite
costly): to a temporary name in the same folder, flushed and fsynced, then ``os.replace``d
over the final name. So a crash or SIGKILL mid-take leaves the last flushed take, and never a
half-written file under the final name; a killed run's temporary file is removed next time.
"""

from __future__ import annotations

import contextlib
import glob
import tempfile
import threading
import time
from pathlib import Path

from musicai.live.errors import MidiFileError
from musicai.live.midi.take_file import TakeInfo, build, key_signature, save_atomically

__all__ = ["TakeInfo", "TakeRecorder", "build", "check_path", "key_signature", "save_atomically"]


def check_path(path: str | Path) -> Path:
    """Fail at start (one line) when the take could never be written there."""
    path = Path(path)
    if path.is_symlink():  # a link to a take: write the take where it points
        path = path.resolve()
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise MidiFileError(path, "is a folder; give a file name like take.mid")
    if path.exists() and not path.is_file():  # a device, a FIFO, a socket: never replaced
        raise MidiFileError(path, "is not a regular file (a device or a pipe); give a file "
                            "name like take.mid")
    if not folder.is_dir():
        raise MidiFileError(path, f"folder {str(folder)!r} does not exist; create it first")
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{path.name}.", suffix=".part"):
            pass
    except OSError as err:
        raise MidiFileError(path, f"cannot write in {str(folder)!r} ({err.strerror})") from err
    for stale in folder.glob(f".{glob.escape(path.name)}.*.part"):  # left by a killed run
        with contextlib.suppress(OSError):
            stale.unlink()
    return path


class TakeRecorder:
    """Collects the engine's notes and changes; a background thread keeps the file current."""

    def __init__(self, path: str | Path, info: TakeInfo, interval: float = 2.0) -> None:
        self.path = check_path(path)
        self.info = info
        self.interval = interval
        self.error: OSError | None = None
        self._notes: list[tuple] = []
        self._changes: list[tuple] = []
        self._channel = info.channel
        self._written = (-1, -1)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="take-writer", daemon=True)

    # engine thread: appends only ---------------------------------------------------------------
    def on_note(self, note: object) -> None:
        self._notes.append((note, self._channel))

    def on_change(self, tick: int, setting: str, value: object) -> None:
        if setting == "channel":
            self._channel = int(value)
        self._changes.append((tick, setting, value))

    # the writer --------------------------------------------------------------------------------
    def start(self) -> None:
        self.flush()  # the header exists from the first moment
        self._thread.start()

    def _loop(self) -> None:
        pause = self.interval
        while not self._done.wait(pause):
            started = time.perf_counter()
            self.flush()
            # a long take costs more to rewrite: keep the writer under ~10% of one core
            pause = max(self.interval, 10 * (time.perf_counter() - started))

    def flush(self) -> None:
        notes, changes = list(self._notes), list(self._changes)
        if (len(notes), len(changes)) == self._written:
            return
        try:
            save_atomically(build(self.info, notes, changes), self.path)
        except OSError as err:
            self.error = err
            return
        self._written = (len(notes), len(changes))

    def close(self) -> None:
        """Stop the writer and write the whole take one last time."""
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()
        self.flush()

    @property
    def notes_written(self) -> int:
        return sum(1 for note, _ in self._notes if note.pitch is not None)
