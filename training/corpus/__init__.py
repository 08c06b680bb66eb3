"""Converting music21's bundled corpora to MIDI files for training."""
