"""The take file while it is played: a standard MIDI file whose last track grows in place.

Rewriting the whole file every few seconds costs more the longer the take (and keeps every note
in memory). Here each flush appends only the new events, so a flush after two hours costs what
one after two minutes does. The file is whole at every moment a reader or a crash can see it:

- the new bytes go where the track's end-of-track event was, starting with a four-byte empty
  sequencer-specific event that exactly covers it, then the events, then a new end-of-track;
- only then is the track's length field rewritten to take them in.

Until that second write lands the old length still ends on a whole event (the filler). Space is
reserved ahead with ``posix_fallocate``, so a full disk refuses the reservation before a byte is
written and the file stays as it was; the reserved tail reads as zeros after the last track,
which MIDI readers skip, and ``close`` trims it. The file is opened for each flush and
checked to be the one written at the start: a folder remounted read-only refuses that, and a
file someone put in its place is never written into.
"""

from __future__ import annotations

import contextlib
import errno
import os
import struct
from collections.abc import Iterator
from pathlib import Path

import mido
from mido.midifiles.meta import encode_variable_int
from musicai.live.midi.take_file import file_bytes, save_atomically

END_OF_TRACK = bytes((0x00, 0xFF, 0x2F, 0x00))
FILLER = bytes((0x00, 0xFF, 0x7F, 0x00))  # delta 0, sequencer-specific, no data: skipped
RESERVE = 64 * 1024  # bytes reserved at a time: about 8,000 notes


class GrowingTake:
    """Owns the file from ``create`` to ``close``; ``append`` is all-or-nothing."""

    def __init__(self, path: Path, head: mido.MidiFile) -> None:
        """Write ``head`` (whose last track is empty and grows) whole, under ``path``."""
        data = file_bytes(head)
        if not data.endswith(b"MTrk" + struct.pack(">I", 4) + END_OF_TRACK):
            raise ValueError("the head's last track must be empty")
        self.path = path
        self._end = len(data) - len(END_OF_TRACK)  # where the end-of-track event starts
        self._length_at = self._end - 4  # the last track's length field
        self._track_at = self._end  # the first byte of the last track's events
        self._tick = 0  # absolute tick of the last event written
        save_atomically(data, path)
        status = os.stat(path)
        self._identity = (status.st_dev, status.st_ino)
        self._reserved = len(data)
        self._can_reserve = True
        self._fd = -1
        self._closed = False

    def append(self, events: list[tuple[int, mido.Message]]) -> None:
        """Add events (absolute ticks, in order; one earlier than what is written is moved up to
        it). On OSError nothing the file shows has changed, and the same call can be retried."""
        if not events:
            return
        chunk = bytearray(FILLER)
        tick = self._tick
        for at, message in events:
            at = max(at, tick)
            chunk += bytes(encode_variable_int(at - tick))
            chunk += bytes(message.bytes())
            tick = at
        chunk += END_OF_TRACK
        with self._opened():
            self._reserve(self._end + len(chunk))
            self._write(bytes(chunk), self._end)
            self._write(struct.pack(">I", self._end + len(chunk) - self._track_at),
                        self._length_at)
            os.fdatasync(self._fd)
        self._end += len(chunk) - len(END_OF_TRACK)
        self._tick = tick

    def close(self) -> None:
        """Trim the reserved tail; the file stays a whole MIDI file. OSError when the file is
        no longer ours (or cannot be opened): the caller must not touch it then."""
        if self._closed:
            return
        self._closed = True
        with self._opened(), contextlib.suppress(OSError):  # a shorter file needs no room
            os.ftruncate(self._fd, self._end + len(END_OF_TRACK))

    @contextlib.contextmanager
    def _opened(self) -> Iterator[None]:
        self._fd = os.open(self.path, os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW)
        try:
            status = os.fstat(self._fd)
            if (status.st_dev, status.st_ino) != self._identity:
                raise OSError(errno.ESTALE, "another file is now in its place; it is left alone")
            yield
        finally:
            os.close(self._fd)
            self._fd = -1

    def _reserve(self, size: int) -> None:
        if size <= self._reserved or not self._can_reserve:
            return
        want = max(size, self._reserved + RESERVE)
        try:
            os.posix_fallocate(self._fd, self._reserved, want - self._reserved)
        except OSError as err:
            if err.errno not in (errno.EOPNOTSUPP, errno.EINVAL):
                raise  # ENOSPC, EROFS, EIO: nothing written
            self._can_reserve = False  # a file system without it: plain writes
            return
        self._reserved = want

    def _write(self, data: bytes, at: int) -> None:
        written = os.pwrite(self._fd, data, at)
        if written != len(data):  # only without a reservation: the disk filled up
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
