"""Live input: turns, quantiser, chord hand, key ear, MIDI clock follow, CC steering."""
