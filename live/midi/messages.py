"""Raw MIDI messages as small int lists: what python-rtmidi sends without conversion.

The engine builds a handful of messages per note, so it uses plain lists rather than
``mido.Message`` objects on the hot path; mido converts them at the edges (takes, logs).
"""

from __future__ import annotations

NOTE_OFF, NOTE_ON, CONTROL_CHANGE, PROGRAM_CHANGE = 0x80, 0x90, 0xB0, 0xC0
ALL_SOUND_OFF, ALL_NOTES_OFF = 120, 123
#: System real-time: timing clock (24 per quarter note), Start, Continue, Stop.
CLOCK, START, CONTINUE, STOP = 0xF8, 0xFA, 0xFB, 0xFC
CLOCK_TICKS = 20  # engine ticks (480 per quarter) per clock pulse


def note_on(channel: int, pitch: int, velocity: int) -> list[int]:
    return [NOTE_ON | channel, pitch, velocity]


def note_off(channel: int, pitch: int) -> list[int]:
    return [NOTE_OFF | channel, pitch, 0]


def control_change(channel: int, control: int, value: int) -> list[int]:
    return [CONTROL_CHANGE | channel, control, value]


def is_note_on(message: list[int]) -> bool:
    return len(message) == 3 and message[0] & 0xF0 == NOTE_ON and message[2] > 0


def is_note_off(message: list[int]) -> bool:
    status = message[0] & 0xF0
    return len(message) == 3 and (status == NOTE_OFF or (status == NOTE_ON and message[2] == 0))
