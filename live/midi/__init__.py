"""MIDI in and out: a port template, its backends, the recording output and takes."""
