"""Opening output ports: name matching, virtual ports, listing, errors, a vanished destination.

The matching rules are checked on plain name lists; everything else on the private JACK
server with real python-rtmidi clients (conftest's receivers), as the instrument uses them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from musicai.live.errors import PortError
from musicai.live.midi.backends import (
    CLIENT,
    NullOutput,
    RtMidiOutput,
    choose_backend,
    open_for,
    open_output,
)
from musicai.live.midi.discovery import list_ports, match_port
from musicai.live.midi.jack_output import JackOutput
from musicai.live.midi.watch import PortWatch

if TYPE_CHECKING:
    from conftest import MidiReceiver

    ReceiverFactory = Callable[[str], MidiReceiver]

NAMES = ["Midi Through:Midi Through Port-0 14:0", "synth:in", "daw:in", "daw:MIDI In 2"]


# matching rules -------------------------------------------------------------------------------
def test_exact_whole_name_wins_over_substrings() -> None:
    assert match_port(["daw:in", "daw:in-2"], "daw:in") == 0


def test_exact_jack_port_part_matches() -> None:
    assert match_port(NAMES, "MIDI In 2") == 3


def test_case_insensitive_substring() -> None:
    assert match_port(NAMES, "SYNTH") == 1
    assert match_port(NAMES, "through") == 0


def test_several_matches_are_an_error_listing_them() -> None:
    with pytest.raises(PortError) as caught:
        match_port(NAMES, "daw", "jack")
    message = str(caught.value)
    assert "'daw:in'" in message and "'daw:MIDI In 2'" in message and "\n" not in message
    with pytest.raises(PortError, match="matches 2 outputs"):
        match_port(NAMES, "in")  # the port part "in" names two clients' ports exactly


def test_no_match_is_none() -> None:
    assert match_port(NAMES, "IAC Bus 1") is None


# backend choice -------------------------------------------------------------------------------
def test_backend_from_flag_then_environment() -> None:
    assert choose_backend("jack", {"MUSICAI_MIDI_BACKEND": "alsa"}) == "jack"
    assert choose_backend(None, {"MUSICAI_MIDI_BACKEND": " ALSA "}) == "alsa"


def test_unknown_backend_in_environment_is_one_line() -> None:
    with pytest.raises(PortError, match=r"\$MUSICAI_MIDI_BACKEND 'oss' is not a MIDI backend"):
        choose_backend(None, {"MUSICAI_MIDI_BACKEND": "oss"})


@pytest.mark.skipif(sys.platform != "linux", reason="the Linux default")
def test_no_midi_system_plays_to_the_screen_unless_a_port_was_asked_for() -> None:
    """Run in a child so the JACK library sees a server name that does not exist."""
    code = (
        "from musicai.live.midi.backends import open_for\n"
        "from musicai.live.errors import PortError\n"
        "out, note = open_for(None, None, {})\n"
        "print(type(out).__name__, 'no MIDI system found' in note)\n"
        "try:\n    open_for(None, 'synth', {})\nexcept PortError as e:\n    print('ERR', e)\n"
    )
    env = dict(os.environ, JACK_DEFAULT_SERVER="musicai-no-such-server", JACK_NO_START_SERVER="1")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=30, check=True)
    if os.path.exists("/dev/snd/seq"):
        pytest.skip("this machine has an ALSA sequencer")
    first, second = done.stdout.splitlines()
    assert first == "NullOutput True"
    assert second.startswith("ERR cannot open --port 'synth'")
    assert done.stderr == ""  # the JACK library's complaints are kept off the terminal


def test_null_output_books_and_panics() -> None:
    out = NullOutput()
    out.send([0x90, 60, 100])
    assert out.sounding == {(0, 60)}
    out.close()
    assert out.sounding == frozenset()


# real ports on JACK -------------------------------------------------------------------------
def jack_ports() -> list[str]:
    done = subprocess.run(["jack_lsp"], capture_output=True, text=True, timeout=10, check=True)
    return done.stdout.split("\n")


@pytest.mark.jack
@pytest.mark.parametrize("backend", ["jack", "jack-rtmidi"])
def test_exact_name_opens_that_port(midi_receiver: ReceiverFactory, backend: str) -> None:
    receiver = midi_receiver("exact-rx")
    midi_receiver("exact-rx-other")  # a longer name containing the first one
    with open_output(backend, receiver.port_name) as out:
        kind = JackOutput if backend == "jack" else RtMidiOutput
        assert isinstance(out, kind) and not out.virtual
        assert out.name == receiver.port_name
        receiver.wait_for_probe(out.send)
        out.send([0x90, 60, 100])
        out.send([0x80, 60, 0])
        assert receiver.wait_for(2) and receiver.messages == [bytes([0x90, 60, 100]),
                                                               bytes([0x80, 60, 0])]


@pytest.mark.jack
def test_substring_any_case_opens_the_one_port(midi_receiver: ReceiverFactory) -> None:
    receiver = midi_receiver("Substring-RX")
    with open_output("jack", "substring-rx") as out:
        assert out.name == receiver.port_name


@pytest.mark.jack
def test_ambiguous_name_lists_the_candidates(midi_receiver: ReceiverFactory) -> None:
    one, two = midi_receiver("amb-rx"), midi_receiver("amb-rx")
    with pytest.raises(PortError) as caught:
        open_output("jack", "amb-rx")
    assert one.port_name in str(caught.value) and two.port_name in str(caught.value)
    assert f"{CLIENT}:amb-rx" not in jack_ports()  # nothing was left open


@pytest.mark.jack
def test_missing_name_creates_a_virtual_port(
    midi_receiver: ReceiverFactory, jack_connect: Callable[[str, str], None]
) -> None:
    receiver = midi_receiver("virtual-rx")
    with open_output("jack", "musicai-test-virtual") as out:
        assert out.virtual and out.name == f"{CLIENT}:musicai-test-virtual"
        assert out.name in jack_ports()
        jack_connect(out.name, receiver.port_name)
        receiver.wait_for_probe(out.send)
        out.send([0x91, 64, 90])
    # closing panics: the note it left on is turned off, then CC 123 and CC 120 on channel 2
    receiver.wait_for(4)
    assert receiver.messages == [bytes([0x91, 64, 90]), bytes([0x81, 64, 0]),
                                 bytes([0xB1, 123, 0]), bytes([0xB1, 120, 0])]
    assert out.name not in jack_ports()


@pytest.mark.jack
def test_no_port_opens_virtual_musicai() -> None:
    out, note = open_for("jack", None)
    with out:
        assert note is None and out.name == f"{CLIENT}:{CLIENT}"
        assert out.name in jack_ports()


@pytest.mark.jack
def test_list_ports_shows_outputs_and_inputs(midi_receiver: ReceiverFactory) -> None:
    receiver = midi_receiver("list-rx")
    with open_output("jack-rtmidi", "musicai-list-source"):  # rtmidi and JACK-Client clients
        # in one process stall each other; the product never mixes them
        outputs, inputs = list_ports("jack")
    assert receiver.port_name in outputs
    assert f"{CLIENT}:musicai-list-source" in inputs


@pytest.mark.jack
def test_list_ports_command(midi_receiver: ReceiverFactory) -> None:
    receiver = midi_receiver("cli-list-rx")
    done = subprocess.run([sys.executable, "-m", "musicai.live.cli", "--list-ports",
                           "--backend", "jack"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "JACK outputs (--port):"
    assert f"  {receiver.port_name}" in lines


@pytest.mark.jack
def test_vanished_destination_marks_the_port_lost() -> None:
    import rtmidi

    receiver = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, name=f"vanish-rx-{os.getpid()}")
    receiver.open_virtual_port("in")
    out = open_output("jack", f"vanish-rx-{os.getpid()}:in")
    watch = PortWatch(out)
    try:
        assert watch.check()
        out.send([0x90, 60, 100])
        receiver.close_port()
        receiver.delete()
        deadline = time.monotonic() + 5
        while watch.check() and time.monotonic() < deadline:
            time.sleep(0.02)
        with pytest.raises(OSError, match="disappeared"):
            out.send([0x80, 60, 0])
        assert out.lost is not None
    finally:
        watch.close()
        out.close()
