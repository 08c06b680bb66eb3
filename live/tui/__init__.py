"""The Textual terminal UI: reads engine snapshots, sends commands, never blocks the engine."""
