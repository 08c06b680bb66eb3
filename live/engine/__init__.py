"""The clock-driven loop and its timing parts: clock, tempo, command desk, snapshots."""
