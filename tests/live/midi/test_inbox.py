"""The input callback's side: filtering, running status, bad bytes, floods, counters."""

from __future__ import annotations

import time

from musicai.live.midi.inbox import Inbox


def fed(inbox: Inbox, *messages: list[int]) -> list[tuple[int, int, int]]:
    for i, message in enumerate(messages):
        inbox.feed(message, float(i))
    return [(status, a, b) for _, status, a, b in inbox.drain()]


def test_notes_pass_and_note_on_velocity_zero_is_a_note_off() -> None:
    inbox = Inbox()
    assert fed(inbox, [0x91, 60, 100], [0x91, 60, 0]) == [(0x91, 60, 100), (0x81, 60, 0)]


def test_running_status_in_separate_events_and_in_one() -> None:
    inbox = Inbox()
    got = fed(inbox, [0x90, 60, 100], [62, 90], [60, 0], [0x90, 64, 80, 64, 0])
    assert got == [(0x90, 60, 100), (0x90, 62, 90), (0x80, 60, 0), (0x90, 64, 80), (0x80, 64, 0)]
    assert inbox.bad == 0


def test_real_time_bytes_keep_running_status_and_system_common_cancels_it() -> None:
    inbox = Inbox()
    assert fed(inbox, [0x90, 60, 100], [0xF8], [0xFE], [62, 90]) == [(0x90, 60, 100),
                                                                      (0x90, 62, 90)]
    assert fed(inbox, [0xF3, 1], [64, 90]) == []  # song select, then data with no status
    assert inbox.bad == 1


def test_note_offs_without_note_ons_are_ignored_early() -> None:
    inbox = Inbox()
    assert fed(inbox, [0x80, 60, 0], [0x90, 61, 0], [0x90, 60, 1], [0x80, 60, 64],
               [0x80, 60, 64]) == [(0x90, 60, 1), (0x80, 60, 0)]
    assert inbox.ignored == 3


def test_malformed_messages_are_counted_not_raised() -> None:
    inbox = Inbox()
    bad = ([], [0x90], [0x90, 60], [0x90, 200, 10], [0x90, 60, 128], [0xB0, 7, 1, 2])
    assert fed(inbox, *bad, [0xF6], [61, 10]) == []  # tune request: no running status after
    assert inbox.bad == len(bad) + 1


def test_only_mapped_controllers_and_only_clock_when_following() -> None:
    inbox = Inbox(controllers={21})
    got = fed(inbox, [0xB0, 21, 64], [0xB0, 22, 64], [0xE0, 0, 64], [0xA0, 60, 3], [0xC0, 5],
              [0xF8], [0xFA], [0xF2, 1, 0], [0xF0, 1, 2, 0xF7])
    assert got == [(0xB0, 21, 64)]
    assert inbox.ignored == 8 and not inbox.take_pulses()


def test_clock_pulses_are_coalesced_and_do_not_wake_the_engine() -> None:
    wakes = []
    inbox = Inbox(clock=True)
    inbox.wake = lambda: wakes.append(1)
    for i in range(100):
        inbox.feed([0xF8], i * 0.02)
    inbox.feed([0xFA], 2.0)
    inbox.feed([0xF2, 0x10, 0x01], 2.1)
    assert len(wakes) == 2  # Start and Song Position only
    pulses = inbox.take_pulses()
    assert [seq for seq, _ in pulses] == list(range(1, 101))
    assert [(s, a, b) for _, s, a, b in inbox.drain()] == [(0xFA, 0, 100), (0xF2, 0x90, 100)]
    inbox.wake_on_pulse = True
    inbox.feed([0xF8], 3.0)
    assert len(wakes) == 3


def test_a_full_inbox_drops_and_counts() -> None:
    inbox = Inbox(capacity=10)
    for i in range(25):
        inbox.feed([0x90, i, 100], 0.0)
    assert len(inbox.drain()) == 10 and inbox.dropped == 15


def test_a_flood_costs_microseconds_per_message() -> None:
    """2,000 messages of the kinds a flood brings: the callback must stay cheap."""
    inbox = Inbox(controllers={21})
    flood = [[0xF8], [0xFE], [0xB0, 99, 1], [0x80, 70, 0], [0xA0, 60, 1], [0xB0, 21, 5]] * 334
    started = time.perf_counter()
    for message in flood:
        inbox.feed(message, 0.0)
    per_message = (time.perf_counter() - started) / len(flood)
    assert per_message < 50e-6
    assert len(inbox.drain()) == 334
