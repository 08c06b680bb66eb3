"""Jam modes: the turn-taking state machine by hand, then whole jams on a manual clock."""

from __future__ import annotations

import pytest
from jam_fakes import BEAT, jam_engine, note_ons, notes
from musicai.live.engine.commands import Change
from musicai.live.errors import JamError
from musicai.live.jam.controller import JamSetup
from musicai.live.jam.turns import CALLING, LISTENING, RESPONDING, Turns
from musicai.live.theory.keys import Key

Q = 480


def test_call_then_silence_then_an_answer_on_the_beat_as_long_as_the_call() -> None:
    t = Turns("call-response", response_after=1.0)
    assert t.turn(0) is None  # nobody called yet
    t.player_on(69, 4 * Q)
    assert t.state == CALLING and t.turn(0) is None
    t.player_off(69, 5 * Q)
    t.player_on(72, 5 * Q)
    t.player_off(72, 6 * Q + 120)  # the call: beats 4 .. 6.25
    assert t.turn(0) == 8 * Q  # 6.25 + 1 beat of silence = 7.25 -> the next beat line, 8
    assert t.state == RESPONDING and t.response == (8 * Q, 8 * Q + 2 * Q + 120)
    assert t.turn(9 * Q) == 9 * Q
    assert t.turn(10 * Q + 120) is None  # the answer is over: listen again
    assert t.state == LISTENING


def test_a_new_call_interrupts_the_answer() -> None:
    t = Turns("call-response", response_after=2.0)
    t.player_on(60, 0)
    t.player_off(60, Q)
    assert t.turn(0) == 3 * Q
    assert t.player_on(62, 3 * Q + 10) is True  # the engine must let go of its notes
    assert t.state == CALLING and t.turn(3 * Q) is None


def test_other_modes_always_play_and_modes_are_checked() -> None:
    for mode in ("accompany", "follow", "thru"):
        t = Turns(mode)
        t.player_on(60, 0)
        assert t.turn(480) == 480
        assert t.player_on(62, 10) is False
    with pytest.raises(JamError, match="call-response"):
        Turns("duet")
    with pytest.raises(JamError, match=r"0\.\.64"):
        Turns("accompany", response_after=-1)


A_MINOR_CALL = notes((4, 1, 69), (5, 1, 72), (6, 1, 76), (7, 0.5, 74), (7.5, 0.5, 72),
                     (8, 1, 71), (9, 1, 68), (10, 2, 69))  # beats 4 .. 12


def test_call_response_listens_then_answers_in_the_calls_key_continuing_from_it() -> None:
    engine, out, _, predictor = jam_engine(A_MINOR_CALL, JamSetup(mode="call-response"),
                                           key="C major", bars=6)
    events: list = []
    engine.listeners.append(events.append)
    engine.run()
    played = note_ons(out)
    assert played, "no answer came"
    assert all(t >= 13 * BEAT for t, _ in played)  # nothing during the call or the silence
    assert events[0].onset == 13 * 480  # 12 + 1 beat of silence, on the beat line
    assert engine.jam.turns.response == (13 * 480, 21 * 480)  # as long as the call: 8 beats
    assert all(e.onset < 21 * 480 for e in events)
    assert engine.sampler.describe()["key"] == "A minor"
    a_minor = Key(9, "minor")
    assert sum(a_minor.contains(p) for _, p in played) >= 0.9 * len(played)
    call = [69, 72, 76, 74, 72, 71, 68, 69]
    heard = [e.pitch for e in predictor.committed if e.pitch is not None]
    assert heard[:len(call)] == call  # the model continues from the call
    assert abs(played[0][1] - 69) <= 7  # and so does the melody: near the call's last note


def test_call_response_stays_silent_while_the_player_holds_a_note() -> None:
    held = [(1.0, (0x90, 60, 90)), (6.0, (0x80, 60, 0))]
    engine, out, _, _ = jam_engine(held, JamSetup(mode="call-response"), bars=4)
    engine.run()
    assert all(t >= 6.0 + BEAT for t, _ in note_ons(out))


def test_accompany_plays_on_and_absorbs_what_the_player_plays() -> None:
    engine, out, _, predictor = jam_engine(notes((2, 1, 64), (3, 1, 65)), bars=2)
    engine.run()
    played = note_ons(out)
    assert played[0][0] == 0.0 and len(played) > 4
    assert [e.pitch for e in predictor.committed].count(65) >= 1
    assert engine.jam.absorbed == 2


def test_thru_echoes_the_players_notes_on_their_channel() -> None:
    engine, out, _, _ = jam_engine(notes((1, 1, 50), channel=5), JamSetup(mode="thru"), bars=1)
    engine.run()
    echoed = [s.message for s in out.sent if s.message[0] & 0x0F == 5 and s.message[0] < 0xB0]
    assert echoed == [(0x95, 50, 90), (0x85, 50, 0)]
    assert out.sounding == frozenset()


def test_the_mode_changes_live_with_a_command() -> None:
    engine, out, _, _ = jam_engine(notes((8, 1, 60)), bars=4)
    engine.listeners.append(lambda note: engine.send(Change("jam", "call-response"))
                            if note.onset == 0 else None)
    engine.run()
    assert engine.jam.turns.mode == "call-response"
    times = [t for t, _ in note_ons(out)]
    assert times[0] == 0.0 and not [t for t in times if BEAT < t < 9 * BEAT]


def test_a_bad_mode_command_is_reported_not_raised() -> None:
    engine, _, _, _ = jam_engine([], bars=1)
    engine.send(Change("jam", "karaoke"))
    engine.run()
    assert "karaoke" in engine.snapshot.message


def test_follow_moves_the_key_to_the_players_at_the_next_phrase() -> None:
    e_minor = [64, 67, 71, 66, 64, 63, 64, 71, 67, 66, 64, 59]
    script = notes(*[(1 + i, 1, p) for i, p in enumerate(e_minor)])
    engine, _, _, _ = jam_engine(script, JamSetup(mode="follow"), key="C major", bars=12)
    keys: list[tuple[int, object]] = []
    engine.change_listeners.append(lambda tick, s, v: keys.append((tick, v)) if s == "key"
                                   else None)
    engine.run()
    assert engine.sampler.describe()["key"] == "E minor"
    assert keys and keys[0][0] > 6 * 480  # only after enough notes, at a phrase start


def test_a_lost_input_lets_go_of_held_notes_and_says_so() -> None:
    from musicai.live.midi.input_watch import LOST

    script = [(1.0, (0x90, 50, 90)), (1.0, (0x91, 40, 90))]  # a melody note, a chord note
    engine, out, clock, _ = jam_engine(script, JamSetup(mode="thru", chord_channel=1),
                                       bars=2)

    def lose(note) -> None:
        if note.onset >= 480 * 3 and not engine.jam.inbox.lost:
            engine.jam.inbox.lost = "input 'kbd:out' lost; waiting for it to return"
            engine.jam.inbox.messages.append((clock.now(), LOST, 0, 0))
            engine.wake()

    engine.listeners.append(lose)
    engine.run()
    assert "lost; waiting for it to return" in engine.snapshot.message
    assert engine.snapshot.jam["input_ok"] is False
    echoed = [s.message for s in out.sent if s.message[0] in (0x80, 0x81, 0x90, 0x91)
              and s.message[1] in (50, 40)]
    assert echoed[-2:] == [(0x80, 50, 0), (0x81, 40, 0)]  # the echoes were let go
    assert engine.jam.absorbed == 1  # the melody note, closed when the port went
    assert engine.snapshot.jam["held_chord"] == ""


def test_the_answers_key_lands_on_its_first_note_when_the_port_is_far_ahead() -> None:
    """A frame-stamping port's latency makes the engine choose each note that much early;
    the answer's key must still land on the answer's very first note."""
    engine, out, _, _ = jam_engine(A_MINOR_CALL, JamSetup(mode="call-response"),
                                   key="C major", bars=6)
    out.latency = 0.2  # more than a 16th (the grid) at 120 bpm: the old reckoning came late
    changes: list = []
    engine.change_listeners.append(lambda tick, setting, value: changes.append((tick, setting)))
    events: list = []
    engine.listeners.append(events.append)
    engine.run()
    assert events[0].onset == 13 * 480
    assert (13 * 480, "key") in changes  # on the answer's first note, not a later one
