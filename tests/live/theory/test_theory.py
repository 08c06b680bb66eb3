"""live.theory: names, modes, keys, progressions, circle of fifths, key estimation."""

from __future__ import annotations

import pytest
from musicai.live.encoding import NoteEvent
from musicai.live.errors import MusicAIError
from musicai.live.theory import (
    DEFAULT_PROGRESSIONS,
    MODES,
    Key,
    TheoryError,
    chord_mask,
    circle_of_fifths,
    default_progression,
    estimate_key,
    estimate_key_of_events,
    mask_of,
    midi_name,
    note_name,
    parse_key,
    parse_numeral,
    parse_progression,
    pitch_class,
    pitch_classes_of,
    progression_chords,
    scale_pitch_classes,
)

# --- note names -------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "pc"), [
    ("C", 0), ("c", 0), ("C#", 1), ("Db", 1), ("D♭", 1), ("d", 2), ("Eb", 3), ("E", 4),
    ("Fb", 4), ("E#", 5), ("F", 5), ("F#", 6), ("Gb", 6), ("G", 7), ("G#", 8), ("Ab", 8),
    ("A", 9), ("A#", 10), ("Bb", 10), ("bb", 10), ("B", 11), ("Cb", 11), ("B#", 0),
    ("F##", 7), ("Bbb", 9), (" G ", 7),
])  # fmt: skip
def test_pitch_class_reads_sharps_and_flats(name, pc):
    assert pitch_class(name) == pc


@pytest.mark.parametrize("bad", ["H", "", "C+", "Cx", "do", "#C", "C###"])
def test_bad_note_names_raise_a_theory_error_saying_what_is_accepted(bad):
    with pytest.raises(TheoryError, match="A-G") as err:
        pitch_class(bad)
    assert isinstance(err.value, ValueError) and isinstance(err.value, MusicAIError)
    assert "\n" not in str(err.value)


def test_note_names_use_sharps_or_flats_as_asked():
    assert [note_name(pc) for pc in (0, 1, 6, 10)] == ["C", "C#", "F#", "A#"]
    assert [note_name(pc, flats=True) for pc in (0, 1, 6, 10)] == ["C", "Db", "Gb", "Bb"]
    assert note_name(13) == "C#"
    assert midi_name(60) == "C4" and midi_name(69) == "A4" and midi_name(61, True) == "Db4"


def test_masks_and_pitch_classes_round_trip():
    assert mask_of([0, 4, 7]) == 0b10010001
    assert mask_of([60, 64, 67]) == mask_of([0, 4, 7])
    assert pitch_classes_of(mask_of([11, 2, 7])) == (2, 7, 11)


# --- modes and scales --------------------------------------------------------------------

EXPECTED_SCALES = {
    "major": "C D E F G A B",
    "minor": "C D Eb F G Ab Bb",
    "harmonic minor": "C D Eb F G Ab B",
    "melodic minor": "C D Eb F G A B",
    "dorian": "C D Eb F G A Bb",
    "phrygian": "C Db Eb F G Ab Bb",
    "lydian": "C D E F# G A B",
    "mixolydian": "C D E F G A Bb",
    "locrian": "C Db Eb F Gb Ab Bb",
    "major pentatonic": "C D E G A",
    "minor pentatonic": "C Eb F G Bb",
    "blues": "C Eb F Gb G Bb",
}


@pytest.mark.parametrize("mode", sorted(EXPECTED_SCALES))
def test_every_mode_has_the_right_notes(mode):
    expected = tuple(pitch_class(n) for n in EXPECTED_SCALES[mode].split())
    assert Key(0, mode).scale == expected
    assert scale_pitch_classes("C", mode) == expected
    assert Key(0, mode).mask == mask_of(expected)


def test_every_mode_is_tested_and_transposes():
    assert set(MODES) == set(EXPECTED_SCALES)
    for mode in MODES:
        c_scale = Key(0, mode).scale
        assert Key(7, mode).scale == tuple((pc + 7) % 12 for pc in c_scale)
    assert Key.parse("F# dorian").scale == tuple(
        pitch_class(n) for n in ["F#", "G#", "A", "B", "C#", "D#", "E"])
    assert Key.parse("Bb major").contains(3) and not Key.parse("Bb major").contains(4)


# --- key names -------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "tonic", "mode"), [
    ("D minor", 2, "minor"), ("d minor", 2, "minor"), ("F# dorian", 6, "dorian"),
    ("Bb", 10, "major"), ("C#m", 1, "minor"), ("A aeolian", 9, "minor"), ("Am", 9, "minor"),
    ("bm", 11, "minor"), ("bb", 10, "major"), ("Ebmaj", 3, "major"), ("C major", 0, "major"),
    ("C ionian", 0, "major"), ("C M", 0, "major"), ("g harmonic minor", 7, "harmonic minor"),
    ("A melodic minor", 9, "melodic minor"), ("D-Mixolydian", 2, "mixolydian"),
    ("G mixo", 7, "mixolydian"), ("E phrygian", 4, "phrygian"), ("F lydian", 5, "lydian"),
    ("B locrian", 11, "locrian"), ("C pentatonic", 0, "major pentatonic"),
    ("E minor pentatonic", 4, "minor pentatonic"), ("Em pentatonic", 4, "minor pentatonic"),
    ("A blues", 9, "blues"), ("Db", 1, "major"), ("  c#   minor ", 1, "minor"),
])  # fmt: skip
def test_key_names_are_read_the_way_musicians_write_them(text, tonic, mode):
    key = parse_key(text)
    assert (key.tonic, key.mode) == (tonic, mode)
    assert Key.parse(key) is key


@pytest.mark.parametrize("bad", ["H minor", "C dorain", "", "minor", "C# mayor", "X", "Cmajj",
                                 "C majorr pentatonic"])
def test_bad_key_names_raise_one_line_listing_what_is_accepted(bad):
    with pytest.raises(TheoryError) as err:
        parse_key(bad)
    message = str(err.value)
    assert f'"{bad}"' in message and "\n" not in message
    for word in ("A-G", "major", "minor", "dorian", "blues", "F# dorian"):
        assert word in message


def test_key_equality_ignores_spelling_but_names_follow_it():
    assert Key.parse("F#") == Key.parse("Gb") and hash(Key.parse("F#")) == hash(Key.parse("Gb"))
    assert Key.parse("Gb").name == "Gb major" and Key.parse("F#").name == "F# major"
    assert Key(10).name == "Bb major" and Key(2, "minor").name == "D minor"
    assert Key(1, "minor").name == "C# minor" and Key(3).name == "Eb major"
    assert Key.parse("D minor").note_name(10) == "Bb"
    assert Key.parse("A minor").is_minor and not Key.parse("G mixolydian").is_minor


def test_circle_of_fifths_keeps_the_mode():
    names = [k.name for k in circle_of_fifths("C")]
    assert names == ["C major", "G major", "D major", "A major", "E major", "B major",
                     "F# major", "Db major", "Ab major", "Eb major", "Bb major", "F major"]
    a_minor = Key.parse("A minor")
    assert a_minor.fifth_up() == Key.parse("E minor")
    assert a_minor.fifth_down() == Key.parse("D minor")
    assert Key.parse("D dorian").fifth_up() == Key.parse("A dorian")
    assert Key.parse("C").fifth_up(12) == Key.parse("C")
    assert Key.parse("F").fifth_down().fifth_up() == Key.parse("F")
    assert [k.name for k in circle_of_fifths("A minor")][:3] == ["A minor", "E minor",
                                                                 "B minor"]


# --- progressions ----------------------------------------------------------------------


def names(key: str, progression: str) -> list[str]:
    return [c.name for c in progression_chords(key, progression)]


def test_pop_and_jazz_progressions_in_major_and_minor():
    assert names("C", "I-V-vi-IV") == ["C", "G", "Am", "F"]
    assert names("G", "I-V-vi-IV") == ["G", "D", "Em", "C"]
    assert names("A minor", "i-VI-III-VII") == ["Am", "F", "C", "G"]
    assert names("C", "ii-V-I") == ["Dm", "G", "C"]
    assert names("C", "ii7-V7-Imaj7") == ["Dm7", "G7", "Cmaj7"]
    assert names("Bb", "ii7 V7 IΔ7") == ["Cm7", "F7", "Bbmaj7"]
    assert names("C", "I, IV | V") == ["C", "F", "G"]


def test_numeral_case_and_marks_give_the_quality():
    pcs = {name: progression_chords("C", name)[0].pitch_classes
           for name in ("I", "i", "vii°", "viio", "III+", "V7", "ii7", "viiø7", "vii°7",
                        "Imaj7", "IM7", "V9", "Vsus4", "V7sus4", "Iadd9")}
    assert pcs["I"] == (0, 4, 7) and pcs["i"] == (0, 3, 7)
    assert pcs["vii°"] == pcs["viio"] == (11, 2, 5)
    assert pcs["III+"] == (4, 8, 0)
    assert pcs["V7"] == (7, 11, 2, 5) and pcs["ii7"] == (2, 5, 9, 0)
    assert pcs["viiø7"] == (11, 2, 5, 9) and pcs["vii°7"] == (11, 2, 5, 8)
    assert pcs["Imaj7"] == pcs["IM7"] == (0, 4, 7, 11)
    assert pcs["V9"] == (7, 11, 2, 5, 9) and pcs["Vsus4"] == (7, 0, 2)
    assert pcs["V7sus4"] == (7, 0, 2, 5) and pcs["Iadd9"] == (0, 4, 7, 2)


def test_accidentals_and_secondary_chords():
    assert names("C", "bVII-bVI-bIII") == ["Bb", "Ab", "Eb"]
    assert names("C", "#iv°") == ["F#°"]
    assert names("C", "V/V-V7/ii-vii°/V") == ["D", "A7", "F#°"]
    assert names("A minor", "V/iv") == ["A"]
    assert chord_mask("V7", "C") == mask_of([7, 11, 2, 5])
    assert parse_numeral("V/V").of == parse_numeral("V")


def test_degrees_come_from_the_key_scale():
    assert names("C harmonic minor", "i-iv-V-vii°") == ["Cm", "Fm", "G", "B°"]
    assert names("D dorian", "i-IV") == ["Dm", "G"]
    assert names("C mixolydian", "I-VII") == ["C", "Bb"]
    assert names("A minor pentatonic", "i-iv-v") == ["Am", "Dm", "Em"]


def test_progressions_follow_a_key_change():
    numerals = parse_progression("I-IV-V")
    c = [n.chord(Key.parse("C")).name for n in numerals]
    d = [n.chord(Key.parse("D")).name for n in numerals]
    assert (c, d) == (["C", "F", "G"], ["D", "G", "A"])


@pytest.mark.parametrize("bad", ["I-X-V", "", "IV-", "Vi", "I-V-vi-IV-Q7", "V/H", "iiii"])
def test_bad_progressions_raise_one_line_naming_the_chord(bad):
    if bad == "IV-":
        assert len(parse_progression(bad)) == 1  # a trailing separator is harmless
        return
    with pytest.raises(TheoryError) as err:
        parse_progression(bad)
    message = str(err.value)
    assert "\n" not in message and "I-V-vi-IV" in message and "upper case major" in message


def test_default_progressions_per_mode():
    assert set(DEFAULT_PROGRESSIONS) == set(MODES)
    assert [n.text for n in default_progression("C")] == ["I", "V", "vi", "IV"]
    assert [n.text for n in default_progression("A minor")] == ["i", "VI", "III", "VII"]
    assert [n.text for n in default_progression("C major pentatonic")][:2] == ["I", "V"]
    assert [n.text for n in default_progression("E minor pentatonic")][:2] == ["i", "VI"]
    for mode in MODES:
        if mode in ("blues", "major pentatonic", "minor pentatonic"):
            continue
        key = Key(0, mode)
        for chord in progression_chords(key):
            assert chord.mask & ~key.mask == 0, (mode, chord.name)
    assert len(default_progression("A blues")) == 12


# --- key estimation --------------------------------------------------------------------


def test_estimates_c_major_from_its_scale():
    estimate = estimate_key([60, 62, 64, 65, 67, 69, 71, 72])
    assert estimate is not None
    assert estimate.key == Key.parse("C major")
    assert estimate.correlation > 0.8
    assert len(estimate.ranking) == 24 and estimate.ranking[0][1] == estimate.correlation


def test_estimates_a_minor_from_a_harmonic_minor_melody_weighted_by_duration():
    melody = [69, 71, 72, 74, 76, 77, 80, 81, 80, 76, 72, 69]
    durations = [960, 240, 480, 240, 960, 240, 240, 960, 240, 480, 480, 1920]
    estimate = estimate_key(melody, durations)
    assert estimate is not None and estimate.key == Key.parse("A minor")
    events = [NoteEvent(p, d) for p, d in zip(melody, durations, strict=True)]
    assert estimate_key_of_events(events) == estimate


def test_durations_change_the_estimate():
    # The same notes, C E G held long, or A C E held long.
    notes = [60, 64, 67, 69, 72, 76]
    c_long = estimate_key(notes, [4, 4, 4, 1, 1, 1])
    a_long = estimate_key([*notes, 57], [1, 1, 1, 4, 1, 1, 4])
    assert c_long is not None and c_long.key == Key.parse("C")
    assert a_long is not None and a_long.key == Key.parse("A minor")


def test_estimate_of_nothing_is_none_and_rests_are_skipped():
    assert estimate_key([]) is None
    assert estimate_key([None, None]) is None
    assert estimate_key(list(range(60, 72))) is None
    with_rests = estimate_key([60, None, 64, None, 67, 72])
    assert with_rests is not None and with_rests.key == Key.parse("C")


def test_estimate_follows_transposition():
    melody = [62, 64, 66, 67, 69, 71, 73, 74, 69, 66, 62]
    estimate = estimate_key(melody)
    assert estimate is not None and estimate.key == Key.parse("D")
    up = estimate_key([p + 5 for p in melody])
    assert up is not None and up.key == Key.parse("G")
