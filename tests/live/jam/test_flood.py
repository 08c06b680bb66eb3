"""A flood of input on a manual clock: it is all taken, but never in a note's approach (the
last ``lookahead`` between choosing a note and sending it), where draining it would make the
note late on a real clock."""

from __future__ import annotations

from jam_fakes import jam_engine


def test_input_in_a_notes_approach_waits_until_the_note_is_out() -> None:
    # a mapped controller every half millisecond for four seconds (two bars at 120 bpm)
    script = [(0.0005 * i, (0xB0, 21, i % 128)) for i in range(8000)]
    engine, out, _, _ = jam_engine(script, bars=2, controllers=(21,))
    polls: list[float] = []
    poll = engine.jam.poll

    def spy(now: float) -> list[list[int]]:
        polls.append(now)
        return poll(now)

    engine.jam.poll = spy
    engine.run()
    onsets = [t for t, *_ in out.notes()]
    lookahead = engine.settings.lookahead
    assert len(onsets) >= 4 and len(polls) > len(onsets)
    inside = [(p, t) for p in polls for t in onsets if t - lookahead < p < t]
    assert inside == []  # never drained between choosing a note and sending it
    assert [p for p in polls if any(p == t for t in onsets)]  # but right after sending it
    inbox = engine.jam.inbox
    assert inbox.received > 4000 and inbox.dropped == 0
    # all taken, but what came in the last note's approach: the take ended with that note
    assert all(onsets[-1] - lookahead < when for when, *_ in inbox.messages)
