"""Seeded fuzzing: thousands of corrupted MIDI files must each give a Piece or a MidiFileError.

Run with ``-s`` to see the mix of outcomes.
"""

from __future__ import annotations

import random
import re
import struct
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import mido
from midi_factory import SCALE, conductor, midi_bytes, notes_track, scale_notes, song_bytes
from musicai.live.encoding.ingest import Piece, read_midi, read_midi_bytes
from musicai.live.errors import MidiFileError

SEED = 20261124
FILES = 4000
ON_DISK_EVERY = 8  # every 8th file goes through a real file on disk


def seeds() -> list[bytes]:
    type0 = mido.merge_tracks([notes_track(SCALE, program=20),
                               notes_track(scale_notes(12, low=48, step=240), channel=3)])
    return [
        song_bytes(),
        midi_bytes([conductor(), notes_track(SCALE, name="tune")]),
        midi_bytes([type0], kind=0),
        midi_bytes([notes_track([(on // 5, n // 5, p) for on, n, p in SCALE])], ticks_per_beat=96),
        midi_bytes([notes_track(SCALE), notes_track(SCALE, channel=1)], kind=2),
    ]


def chunk_spans(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each chunk after the header, as far as the lengths can be trusted."""
    spans, pos = [], 14
    while pos + 8 <= len(data):
        (size,) = struct.unpack_from(">L", data, pos + 4)
        spans.append((pos, min(len(data), pos + 8 + size)))
        pos += 8 + size
    return spans


def flip_bytes(data: bytearray, rng: random.Random) -> None:
    for _ in range(rng.randint(1, 6)):
        data[rng.randrange(len(data))] = rng.randrange(256)


def flip_track_bytes(data: bytearray, rng: random.Random) -> None:
    """Damage events, not the header: most such files still parse."""
    for _ in range(rng.randint(1, 4)):
        data[rng.randrange(22, len(data))] = rng.randrange(256)


def high_bytes(data: bytearray, rng: random.Random) -> None:
    for _ in range(rng.randint(1, 4)):
        data[rng.randrange(14, len(data))] = rng.randrange(128, 256)


def truncate(data: bytearray, rng: random.Random) -> None:
    del data[rng.randrange(len(data)):]


def corrupt_length(data: bytearray, rng: random.Random) -> None:
    spans = chunk_spans(bytes(data))
    start = rng.choice(spans)[0] if spans and rng.random() < 0.8 else 0
    value = rng.choice([0, 1, 5, rng.randrange(1 << 16), 0x7FFFFFFF, 0xFFFFFFFF])
    data[start + 4:start + 8] = struct.pack(">L", value)


def meta_length(data: bytearray, rng: random.Random) -> None:
    """Turn some event into a meta event with a huge or odd length claim."""
    pos = rng.randrange(14, len(data) - 6)
    data[pos:pos + 6] = bytes([0xFF, rng.randrange(128), 0xFF, 0xFF, 0xFF, rng.randrange(128)])


def duplicate_chunk(data: bytearray, rng: random.Random) -> None:
    spans = chunk_spans(bytes(data))
    if spans:
        start, end = rng.choice(spans)
        data[end:end] = data[start:end]


def delete_chunk(data: bytearray, rng: random.Random) -> None:
    spans = chunk_spans(bytes(data))
    if spans:
        start, end = rng.choice(spans)
        del data[start:end]


def insert_junk(data: bytearray, rng: random.Random) -> None:
    pos = rng.randrange(len(data))
    data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 12)))


def track_count(data: bytearray, rng: random.Random) -> None:
    data[10:12] = struct.pack(">H", rng.choice([0, 1, 2, 7, 300, 65535]))


MUTATIONS: list[Callable[[bytearray, random.Random], None]] = [
    flip_bytes, flip_track_bytes, flip_track_bytes, high_bytes, truncate, corrupt_length,
    meta_length, duplicate_chunk, delete_chunk, insert_junk, track_count,
]


def outcome(result: Piece | MidiFileError) -> str:
    """A kind of outcome: the reason with its numbers and details taken out."""
    if isinstance(result, Piece):
        return "piece with melodies" if result.parts else "piece, no melody"
    reason = re.sub(r"\s*\(.*\)", "", result.reason)
    reason = re.sub(r"0x[0-9A-F]{2}", "0x..", reason)
    reason = re.sub(r"found .*", "found ...", reason)
    return "error: " + re.sub(r"\d[\d,]*", "N", reason)


def test_corrupted_files_give_a_piece_or_a_midi_file_error(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    originals = seeds()
    for original in originals:
        assert read_midi_bytes(original, min_notes=1).parts
    mix: Counter[str] = Counter()
    slowest = 0.0
    start = time.perf_counter()
    for index in range(FILES):
        data = bytearray(rng.choice(originals))
        for mutate in rng.sample(MUTATIONS, rng.choice([1, 1, 1, 2, 3])):
            if len(data) > 32:  # short leftovers of a truncation stay as they are
                mutate(data, rng)
        began = time.perf_counter()
        try:
            if index % ON_DISK_EVERY == 0:
                path = tmp_path / f"fuzz{index}.mid"
                path.write_bytes(data)
                result: Piece | MidiFileError = read_midi(path, min_notes=2)
            else:
                result = read_midi_bytes(bytes(data), f"fuzz{index}", min_notes=2)
        except MidiFileError as err:
            assert err.reason and "\n" not in err.reason
            assert not err.reason.startswith("unreadable"), err.reason  # every case diagnosed
            result = err
        slowest = max(slowest, time.perf_counter() - began)
        mix[outcome(result)] += 1
    elapsed = time.perf_counter() - start
    print(f"\n{FILES} corrupted files in {elapsed:.1f} s (slowest {slowest * 1000:.0f} ms):")
    for name, count in mix.most_common():
        print(f"  {count:5d}  {name}")
    assert sum(mix.values()) == FILES
    assert mix["piece with melodies"] > 0
    assert any(name.startswith("error: truncated") for name in mix)
    assert slowest < 5
