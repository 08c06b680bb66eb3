"""Standard MIDI File framing with hard limits: bytes -> chunks -> (tick, event) tuples.

mido's own file reader reads one byte per call, keeps every message of the file as an object
and decodes delta times of any length (quadratic in that length), so one broken or hostile
file can hang a scan of thousands or fill memory. This module walks the chunks and events
itself, checks every length against the bytes that are really there, refuses delta times and
lengths longer than the four bytes the standard allows, and stops at an event budget. The
meaning of messages stays mido's: data lengths come from mido's status table and meta events
are decoded by ``mido.MetaMessage`` (see ``decode_meta``).

Every problem raises ``SmfError`` with a short reason; ``ingest`` adds the file name.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

import mido
from mido.messages.specs import SPEC_BY_STATUS

MAX_VARINT_BYTES = 4
META = 0xFF
END_OF_TRACK = 0x2F

#: (tick, status, a, b): a channel message (status 0x80..0xEF, data bytes a and b, b = 0 for
#: one-byte messages) or a meta event (status 0xFF, a = meta type, b = the event's raw bytes).
Event = tuple[int, int, int, "int | bytes"]


class SmfError(ValueError):
    """The bytes are not a well-formed Standard MIDI File; ``reason`` says where and why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class EventBudget:
    """How many more events this file may hold; shared by its tracks."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.left = limit

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise SmfError(f"too many events (over {self.limit:,}); not a file to learn from")


@dataclass(frozen=True)
class Smf:
    """A split file: its header fields and the bytes of each ``MTrk`` chunk, in order."""

    format: int
    ticks_per_beat: int
    tracks: list[bytes]


def split_file(data: bytes) -> Smf:
    """Check the header and cut out the announced track chunks; other chunk types are skipped."""
    data = _unwrap_rmid(data)
    if len(data) < 8 or data[:4] != b"MThd":
        raise SmfError(_not_midi(data))
    (size,) = struct.unpack_from(">L", data, 4)
    if size < 6 or len(data) < 8 + 6:
        raise SmfError("truncated: the header ends early")
    fmt, n_tracks, division = struct.unpack_from(">HHh", data, 8)
    if fmt > 2:
        raise SmfError(f"unknown MIDI format {fmt} (expected 0, 1 or 2)")
    if division < 0:
        raise SmfError("SMPTE time division (frames per second) is not supported; "
                       "re-save the file with ticks per quarter note")
    if division == 0:
        raise SmfError("the header gives 0 ticks per quarter note")
    return Smf(fmt, division, _track_chunks(data, 8 + size, n_tracks))


def _track_chunks(data: bytes, pos: int, n_tracks: int) -> list[bytes]:
    tracks: list[bytes] = []
    while len(tracks) < n_tracks:
        if pos + 8 > len(data):
            raise SmfError(f"truncated: the header announces {n_tracks} tracks, "
                           f"the file ends after {len(tracks)}")
        name, size = struct.unpack_from(">4sL", data, pos)
        body = data[pos + 8:pos + 8 + size]
        if name == b"MTrk" and len(body) < size:
            raise SmfError(f"truncated: track {len(tracks)} ends early "
                           f"({len(body)} of {size:,} bytes present)")
        if name == b"MTrk":
            tracks.append(body)
        elif not (name.isascii() and name.decode("ascii").isprintable()) or len(body) < size:
            raise SmfError(f"corrupt: expected track {len(tracks)} at byte {pos}, found "
                           f"{_show(name)} (the previous chunk's length may be wrong)")
        pos += 8 + size
    return tracks


def iter_track(chunk: bytes, track: int, budget: EventBudget) -> Iterator[Event]:
    """The channel and meta events of one track chunk with absolute ticks, up to and including
    end-of-track (anything after it is ignored).

    System exclusive and system common events are checked and skipped. Running status
    carries across meta events (many writers rely on it) but not across system events.
    """
    pos, tick, status, end = 0, 0, 0, len(chunk)
    while pos < end:
        budget.spend()
        delta, pos = _varint(chunk, pos, track, "delta time")
        tick += delta
        if pos >= end:
            raise SmfError(f"truncated: track {track} ends inside an event")
        byte = chunk[pos]
        if byte < 0x80:
            if not status:
                raise SmfError(f"track {track}: running status with no status byte "
                               f"(byte {pos} of the track)")
        else:
            pos += 1
            if byte == META:
                start = pos - 1
                kind, pos = _byte(chunk, pos, track)
                _, pos = _sized(chunk, pos, track, "meta event")
                yield tick, META, kind, chunk[start:pos]
                if kind == END_OF_TRACK:
                    return
                continue
            if byte >= 0xF0:
                status = 0
                pos = _skip_system(chunk, pos, byte, track)
                continue
            status = byte
        size = SPEC_BY_STATUS[status]["length"] - 1
        data = chunk[pos:pos + size]
        if len(data) < size:
            raise SmfError(f"truncated: track {track} ends inside an event")
        for offset, value in enumerate(data):
            if value > 127:
                raise SmfError(f"track {track}: data byte 0x{value:02X} is over 127 "
                               f"(byte {pos + offset} of the track)")
        pos += size
        yield tick, status, data[0], data[1] if size == 2 else 0


def decode_meta(raw: bytes) -> mido.MetaMessage | None:
    """mido's reading of one meta event, or None when its content is malformed."""
    try:
        return mido.MetaMessage.from_bytes(raw)
    except Exception:  # mido raises many types (IndexError, KeySignatureError, ...)
        return None


def _skip_system(chunk: bytes, pos: int, status: int, track: int) -> int:
    if status in (0xF0, 0xF7):
        _, pos = _sized(chunk, pos, track, "system exclusive event")
        return pos
    spec = SPEC_BY_STATUS.get(status)
    if spec is None:
        raise SmfError(f"track {track}: undefined status byte 0x{status:02X} "
                       f"(byte {pos - 1} of the track)")
    pos += spec["length"] - 1
    if pos > len(chunk):
        raise SmfError(f"truncated: track {track} ends inside an event")
    return pos


def _sized(chunk: bytes, pos: int, track: int, what: str) -> tuple[bytes, int]:
    """A length-prefixed body, refused when it claims more bytes than the track has left."""
    size, pos = _varint(chunk, pos, track, f"{what} length")
    left = len(chunk) - pos
    if size > left:
        raise SmfError(f"track {track}: a {what} claims {size:,} bytes but the track has "
                       f"{left:,} left (corrupt length)")
    return chunk[pos:pos + size], pos + size


def _varint(chunk: bytes, pos: int, track: int, what: str) -> tuple[int, int]:
    value = 0
    for _ in range(MAX_VARINT_BYTES):
        byte, pos = _byte(chunk, pos, track)
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, pos
    raise SmfError(f"track {track}: {what} longer than {MAX_VARINT_BYTES} bytes "
                   f"(byte {pos} of the track)")


def _byte(chunk: bytes, pos: int, track: int) -> tuple[int, int]:
    if pos >= len(chunk):
        raise SmfError(f"truncated: track {track} ends inside an event")
    return chunk[pos], pos + 1


def _unwrap_rmid(data: bytes) -> bytes:
    """RIFF MIDI (RMID) files hold a plain MIDI file in their 'data' chunk."""
    if data[:4] != b"RIFF" or data[8:12] != b"RMID":
        return data
    pos = 12
    while pos + 8 <= len(data):
        name, size = struct.unpack_from("<4sL", data, pos)
        if name == b"data":
            return data[pos + 8:pos + 8 + size]
        pos += 8 + size + (size & 1)
    raise SmfError("RIFF MIDI (RMID) file with no 'data' chunk")


def _not_midi(data: bytes) -> str:
    if not data:
        return "file is empty"
    if data[:4] == b"MThd":
        return "truncated: the header ends early"
    return f"not a MIDI file (header is {_show(data[:4])})"


def _show(raw: bytes) -> str:
    text = raw.decode("latin-1")
    if text.isprintable() and text.isascii():
        return repr(text)
    return raw.hex(" ")
