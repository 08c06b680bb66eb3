"""Takes: what the MIDI file holds, that it is always whole, and that bad paths fail at start."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import mido
import pytest
from musicai.live.engine.clock import ManualClock
from musicai.live.engine.commands import Change
from musicai.live.engine.loop import Engine, EngineSettings
from musicai.live.engine.snapshot import PlayedNote
from musicai.live.errors import MidiFileError
from musicai.live.inference.predictor import TheoryOnlyPredictor
from musicai.live.midi.recording import RecordingOutput
from musicai.live.midi.take import TakeRecorder, check_path
from musicai.live.midi.take_file import TakeInfo, build, key_signature
from musicai.live.sampler.engine_sampler import EngineSampler
from musicai.live.sampler.settings import SamplerSettings
from musicai.live.sampler.theory_sampler import TheorySampler

INFO = TakeInfo(bpm=96.0, key="D minor", seed=7, model="theory-only", channel=2, gate=0.5)


def metas(file: mido.MidiFile, kind: str) -> list[tuple[int, mido.MetaMessage]]:
    """(absolute tick, message) of every meta message of one type, all tracks."""
    out = []
    for track in file.tracks:
        tick = 0
        for message in track:
            tick += message.time
            if message.type == kind:
                out.append((tick, message))
    return out


def notes_of(file: mido.MidiFile) -> list[tuple[int, int, int, int, int]]:
    """(onset tick, off tick, channel, pitch, velocity) from the file's note messages."""
    sounding: dict[tuple[int, int], tuple[int, int]] = {}
    out = []
    for track in file.tracks:
        tick = 0
        for m in track:
            tick += m.time
            if m.type == "note_on" and m.velocity > 0:
                sounding[(m.channel, m.note)] = (tick, m.velocity)
            elif m.type in ("note_on", "note_off"):
                onset, velocity = sounding.pop((m.channel, m.note))
                out.append((onset, tick, m.channel, m.note, velocity))
    assert not sounding, f"notes without note-off: {sounding}"
    return sorted(out)


@pytest.mark.parametrize(("key", "signature"), [
    ("D minor", "Dm"), ("C major", "C"), ("F# major", "F#"), ("Bb", "Bb"), ("Ebm", "Ebm"),
    ("D dorian", "C"), ("E phrygian", "C"), ("G mixolydian", "C"), ("E minor pentatonic", "Em"),
    ("A blues", "Am"), ("G harmonic minor", "Gm"), ("nonsense", None),
])
def test_key_signatures(key: str, signature: str | None) -> None:
    assert key_signature(key) == signature


def test_file_holds_header_changes_and_notes(tmp_path: Path) -> None:
    notes = [(PlayedNote(0, 62, 480, 90), 2), (PlayedNote(480, None, 480, 0), 2),
             (PlayedNote(960, 65, 960, 70), 2), (PlayedNote(1920, 69, 240, 80), 5)]
    changes = [(1900, "key", "A minor"), (1910, "bpm", 120.0), (1915, "channel", 5)]
    path = tmp_path / "take.mid"
    build(INFO, notes, changes).save(path)
    file = mido.MidiFile(path)

    assert file.ticks_per_beat == 480
    assert [round(mido.tempo2bpm(m.tempo)) for _, m in metas(file, "set_tempo")] == [96, 120]
    assert [(t, m.key) for t, m in metas(file, "key_signature")] == [(0, "Dm"), (1900, "Am")]
    assert [(t, m.text) for t, m in metas(file, "marker")] == [
        (1900, "key=A minor"), (1910, "bpm=120.0"), (1915, "channel=5")]
    (_, text), = metas(file, "text")
    assert "seed=7" in text.text and "model=theory-only" in text.text
    assert notes_of(file) == [(0, 240, 2, 62, 90), (960, 1440, 2, 65, 70),
                              (1920, 2040, 5, 69, 80)]


@pytest.mark.parametrize("where", ["missing/take.mid", "folder"])
def test_bad_paths_fail_at_start_in_one_line(tmp_path: Path, where: str) -> None:
    (tmp_path / "folder").mkdir()
    with pytest.raises(MidiFileError) as caught:
        check_path(tmp_path / where)
    assert "\n" not in str(caught.value) and str(tmp_path / where) in str(caught.value)


def test_a_device_or_a_pipe_is_refused_and_left_alone(tmp_path: Path) -> None:
    import stat

    pipe = tmp_path / "take.fifo"
    os.mkfifo(pipe)
    for path in (pipe, Path("/dev/null")):
        with pytest.raises(MidiFileError, match="not a regular file") as caught:
            TakeRecorder(path, INFO)
        assert "\n" not in str(caught.value)
    assert stat.S_ISFIFO(pipe.stat().st_mode) and stat.S_ISCHR(Path("/dev/null").stat().st_mode)
    link = tmp_path / "to-null.mid"
    link.symlink_to("/dev/null")
    with pytest.raises(MidiFileError, match="not a regular file"):
        check_path(link)


def test_a_link_to_a_take_writes_where_it_points_with_ordinary_permissions(
        tmp_path: Path) -> None:
    (tmp_path / "takes").mkdir()
    target = tmp_path / "takes" / "gig.mid"
    target.write_bytes(b"old")
    link = tmp_path / "latest.mid"
    link.symlink_to(target)
    old = os.umask(0o022)
    try:
        take = TakeRecorder(link, INFO)
        take.on_note(PlayedNote(0, 62, 480, 90))
        take.close()
    finally:
        os.umask(old)
    assert link.is_symlink() and link.resolve() == target  # the link is kept, not replaced
    assert notes_of(mido.MidiFile(target)) == [(0, 240, 2, 62, 90)]
    assert target.stat().st_mode & 0o777 == 0o644  # like every other file we write


def test_unwritable_folder_fails_at_start(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.access(locked, os.W_OK):  # root writes anywhere: use a folder nobody can write
        if not Path("/sys").is_dir():
            pytest.skip("no unwritable folder to try")
        locked = Path("/sys")
    with pytest.raises(MidiFileError, match="cannot write"):
        check_path(locked / "take.mid")


def test_leftovers_of_a_killed_run_are_removed(tmp_path: Path) -> None:
    stale = tmp_path / ".take.mid.abc123.part"
    other = tmp_path / ".other.mid.abc123.part"
    stale.write_bytes(b"MThd")
    other.write_bytes(b"MThd")
    check_path(tmp_path / "take.mid")
    assert not stale.exists() and other.exists()


def test_the_file_is_whole_whenever_anyone_looks(tmp_path: Path) -> None:
    """A reader polling while the writer rewrites never sees a partial file."""
    path = tmp_path / "take.mid"
    take = TakeRecorder(path, INFO, interval=0.001)
    take.start()
    stop = threading.Event()
    seen: list[int] = []

    def read() -> None:
        while not stop.is_set():
            seen.append(len(notes_of(mido.MidiFile(path))))

    reader = threading.Thread(target=read)
    reader.start()
    for i in range(400):
        take.on_note(PlayedNote(i * 120, 60 + i % 12, 120, 80))
    take.close()
    stop.set()
    reader.join()
    assert len(notes_of(mido.MidiFile(path))) == 400
    assert seen and seen == sorted(seen)
    assert [p.name for p in tmp_path.iterdir()] == ["take.mid"]


def test_engine_changes_become_markers(tmp_path: Path) -> None:
    clock = ManualClock()
    sampler = EngineSampler(TheorySampler(SamplerSettings(key="C major"), seed=3))
    engine = Engine(TheoryOnlyPredictor(), sampler, RecordingOutput(clock=clock), clock=clock,
                    settings=EngineSettings(bpm=120, bars=2, preroll=0.0))
    take = TakeRecorder(tmp_path / "take.mid", TakeInfo(120, "C major", 3, "theory-only"))
    heard: list = []
    engine.listeners += [take.on_note, heard.append]
    engine.change_listeners.append(take.on_change)
    engine.send(Change("key", "A minor", when="bar"))
    engine.run()
    take.close()

    file = mido.MidiFile(tmp_path / "take.mid")
    (tick, marker), = metas(file, "marker")
    assert marker.text == "key=A minor" and 1900 <= tick <= 1920
    assert [m.key for _, m in metas(file, "key_signature")] == ["C", "Am"]
    played = [n for n in heard if n.pitch is not None]
    assert [(on, p, v) for on, _, _, p, v in notes_of(file)] == [
        (n.onset, n.pitch, n.velocity) for n in played]


def test_flushes_append_and_never_rewrite(tmp_path: Path) -> None:
    """A flush after an hour must cost what one after a minute does: the file is the same file
    (no rename) and every byte a flush leaves before the track's end stays as it was."""
    path = tmp_path / "take.mid"
    take = TakeRecorder(path, INFO, interval=3600)
    take.start()
    inode = path.stat().st_ino
    before = whole_file(path.read_bytes())
    for bar in range(5):
        for i in range(100):
            take.on_note(PlayedNote((bar * 100 + i) * 120, 60 + i % 12, 120, 80))
        take.flush()
        data = whole_file(path.read_bytes())
        assert path.stat().st_ino == inode
        assert unchanged(before, data), bar  # all but the last track's length and its end
        before = data
        assert len(notes_of(mido.MidiFile(path))) == (bar + 1) * 100 - 1  # the last waits
    take.close()
    assert len(notes_of(mido.MidiFile(path))) == 500


def whole_file(data: bytes) -> bytes:
    """The header and the tracks it declares, without the space reserved after them."""
    import struct

    end = 14
    for _ in range(struct.unpack(">H", data[10:12])[0]):
        end += 8 + struct.unpack(">I", data[end + 4:end + 8])[0]
    return data[:end]


def unchanged(before: bytes, after: bytes) -> bool:
    """``after`` keeps every byte of ``before`` but the last track's length field and its
    end-of-track event (which a flush overwrites)."""
    import struct

    start = 14
    for _ in range(struct.unpack(">H", before[10:12])[0] - 1):
        start += 8 + struct.unpack(">I", before[start + 4:start + 8])[0]
    length_field = slice(start + 4, start + 8)
    keep = len(before) - 4
    masked = bytearray(after[:keep])
    masked[length_field] = before[length_field]
    return bytes(masked) == before[:keep] and after[start:start + 4] == b"MTrk"


@pytest.fixture
def tiny_disk(tmp_path: Path):
    """A 256 KiB tmpfs of the test's own (CI runs as root), unmounted afterwards."""
    import subprocess

    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)], check=True)
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(folder: Path) -> Path:
    """Take every free byte of the file system behind ``folder``."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 4096)
        except OSError:
            pass
    return filler


def test_a_full_disk_mid_take_keeps_the_take_whole_and_says_so_once(tiny_disk: Path) -> None:
    path = tiny_disk / "take.mid"
    lines: list[str] = []
    take = TakeRecorder(path, INFO, interval=3600, say=lines.append)
    take.start()
    onset = 0

    def play(count: int) -> None:
        nonlocal onset
        for _ in range(count):
            take.on_note(PlayedNote(onset, 60 + onset % 12, 120, 80))
            onset += 120

    play(200)
    take.flush()
    filler = fill(tiny_disk)
    play(20_000)  # ~160 KB of events: more than the reserve left before the disk filled
    take.flush()
    take.flush()
    assert take.error is not None and len(lines) == 1, lines
    assert str(path) in lines[0] and "playing goes on" in lines[0]
    assert "\n" not in lines[0]
    saved = notes_of(mido.MidiFile(path))
    assert len(saved) >= 199  # what was written before the disk filled is whole
    filler.unlink()  # room again: the held notes go out, nothing lost
    take.flush()
    assert take.error is None and "writing again" in lines[-1]
    take.close()
    assert len(notes_of(mido.MidiFile(path))) == 20_200
    assert [p.name for p in tiny_disk.iterdir()] == ["take.mid"]


def test_a_folder_turned_read_only_mid_take_keeps_the_take(tiny_disk: Path) -> None:
    import subprocess

    path = tiny_disk / "take.mid"
    lines: list[str] = []
    take = TakeRecorder(path, INFO, interval=3600, say=lines.append)
    take.start()
    for i in range(50):
        take.on_note(PlayedNote(i * 120, 60, 120, 80))
    take.flush()
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    try:
        for i in range(50, 100):
            take.on_note(PlayedNote(i * 120, 62, 120, 80))
        take.close()  # the last flush and the final rewrite both fail: one line, file whole
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(tiny_disk)], check=True)
    assert take.error is not None and len(lines) == 1, lines
    assert len(notes_of(mido.MidiFile(path))) == 49


def test_a_file_put_in_the_takes_place_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "take.mid"
    lines: list[str] = []
    take = TakeRecorder(path, INFO, interval=3600, say=lines.append)
    take.start()
    for i in range(10):
        take.on_note(PlayedNote(i * 120, 60, 120, 80))
    take.flush()
    path.rename(tmp_path / "moved.mid")
    path.write_bytes(b"someone else's file")
    take.close()  # the last note finds another file there: refused, one line
    assert path.read_bytes() == b"someone else's file"
    assert len(lines) == 1 and "another file is now in its place" in lines[0]
    assert len(notes_of(mido.MidiFile(tmp_path / "moved.mid"))) == 9
