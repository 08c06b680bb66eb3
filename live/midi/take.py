"""Takes: the performance recorded as it is played, safe against crashes and full disks.

The engine's listeners only append to queues (one cheap call on its thread). A background thread
appends the new events to the file every ``interval`` seconds (``growing_take``): the cost of a
flush does not grow with the take, and nothing played stays in memory once written. At the end
the file is rewritten once in the usual layout (``take_file.conducted``: markers, tempo and key
in track 0, the notes in track 1, the primer in track 2). A crash or SIGKILL mid-take leaves the
last flushed take, whole, under its name; a full disk or a read-only folder stops the flushes
with one line, keeps what was written, and playing goes on (the flushes resume if room comes).
"""

from __future__ import annotations

import contextlib
import glob
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path

import mido
from musicai.live.errors import MidiFileError
from musicai.live.midi.growing_take import GrowingTake
from musicai.live.midi.take_file import (
    TakeInfo,
    build,
    change_messages,
    conducted,
    key_signature,
    note_messages,
    save_atomically,
)

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


def _say(line: str) -> None:
    print(f"musicai-live: {line}", file=sys.stderr, flush=True)


class TakeRecorder:
    """Collects the engine's notes and changes; a background thread keeps the file current."""

    def __init__(self, path: str | Path, info: TakeInfo, interval: float = 2.0,
                 say: Callable[[str], None] = _say) -> None:
        self.path = check_path(path)
        self.info = info
        self.interval = interval
        self.say = say  # the writer thread's one line when the file cannot keep up, and after
        self.error: OSError | None = None
        self.notes_written = 0
        self._played: deque[tuple] = deque()  # (note, channel): engine thread appends
        self._changes: deque[tuple] = deque()  # (tick, setting, value)
        self._channel = info.channel
        self._held: list[tuple[int, int, int, mido.Message]] = []  # not yet safe to append
        self._latest = -1  # the latest onset seen: nothing played later can start before it
        self._file: GrowingTake | None = None
        self._lock = threading.Lock()  # flush from the writer and from close
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="take-writer", daemon=True)

    # engine thread: appends only ---------------------------------------------------------------
    def on_note(self, note: object) -> None:
        self._played.append((note, self._channel))

    def on_change(self, tick: int, setting: str, value: object) -> None:
        if setting == "channel":
            self._channel = int(value)
        self._changes.append((tick, setting, value))

    # the writer --------------------------------------------------------------------------------
    def start(self) -> None:
        """The file exists, whole, from the first moment (header and primer)."""
        self._open()
        self._thread.start()

    def _open(self) -> None:
        head = build(self.info, [], [])  # conductor, an empty notes track, the primer
        head.tracks.append(head.tracks.pop(1))  # the notes track grows, so it goes last
        try:
            self._file = GrowingTake(self.path, head)
        except OSError as err:
            self._fail(err)

    def _loop(self) -> None:
        while not self._done.wait(self.interval):
            self.flush()

    def flush(self, final: bool = False) -> None:
        """Append what is safe to append: every event before the earliest note still sounding
        past the latest onset (a later note can only start after that), or all when ``final``."""
        with self._lock:
            self._take_in()
            ready = self._ready(final)
            if self._file is None or not ready:
                return
            try:
                self._file.append([(tick, message) for tick, _, _, message in ready])
            except OSError as err:
                self._held = ready + self._held  # kept for the next try
                self._fail(err)
                return
            self.notes_written += sum(1 for _, order, _, _ in ready if order == 2)
            if self.error is not None:
                self.error = None
                self.say(f"take {self.path}: writing again; nothing played was lost")

    def _take_in(self) -> None:
        while self._played:
            note, channel = self._played.popleft()
            messages = note_messages(self.info, note, channel)
            if messages:
                (onset, _, on), (off, _, note_off) = messages
                # (tick, order, onset, message): at one tick offs, then changes, then ons
                self._held += [(onset, 2, onset, on), (off, 0, onset, note_off)]
                self._latest = max(self._latest, onset)
        while self._changes:
            tick, setting, value = self._changes.popleft()
            for at, message in change_messages(self.info, tick, setting, value):
                self._held.append((at, 1, at, message))

    def _ready(self, final: bool) -> list[tuple[int, int, int, mido.Message]]:
        self._held.sort(key=lambda e: (e[0], e[1]))
        horizon = float("inf") if final else self._latest
        while True:  # move the horizon back until no note sounds across it
            across = [on for tick, order, on, _ in self._held
                      if order == 0 and on < horizon <= tick]
            if not across:
                break
            horizon = min(across)
        ready = [e for e in self._held if e[0] < horizon]
        self._held = [e for e in self._held if e[0] >= horizon]
        return ready

    def _fail(self, err: OSError) -> None:
        if self.error is None:
            self.say(f"take {self.path}: cannot write ({err.strerror or err}); what was "
                     f"written stays whole, playing goes on, and writing resumes if room comes")
        self.error = err

    def close(self) -> None:
        """Stop the writer, append the rest, then rewrite the file once in the usual layout."""
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()
        if self._file is None and self.error is None:  # closed without a start (a render)
            self._open()
        self.flush(final=True)
        if self._file is None:
            return
        try:
            self._file.close()
        except OSError as err:
            self._fail(err)
        if self.error is not None:
            return  # what is on disk is whole (or not ours); the rewrite would need room too
        try:
            save_atomically(conducted(mido.MidiFile(self.path)), self.path)
        except (OSError, ValueError, EOFError) as err:
            if isinstance(err, OSError):
                self.error = err
            # the grown file stays: a whole MIDI file with its changes in the notes' track

