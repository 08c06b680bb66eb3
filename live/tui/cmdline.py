"""The ``:`` command line: an ``Input`` with history on Up/Down and Tab completion.

It only edits text: Enter posts ``Input.Submitted`` and the app parses and sends; Escape posts
``CommandLine.Closed``. Tab cycles through the completions of the word being typed (their
shared start first), and the app shows the choices on the status line.
"""

from __future__ import annotations

from typing import ClassVar

from musicai.live.tui.complete import candidates, common_prefix
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

PLACEHOLDER = "key D minor; dir up @bar   (Tab completes, Up recalls, Enter sends, Esc closes)"


class CommandLine(Input):
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("up", "history(-1)", "previous", show=False),
        Binding("down", "history(1)", "next", show=False),
        Binding("tab", "complete", "complete", show=False, priority=True),
        Binding("escape", "close", "close", show=False),
    ]

    class Closed(Message):
        """Escape: hide the command line, give the keys back to the instrument."""

    class Choices(Message):
        """Completion choices to show (the app puts them on the status line)."""

        def __init__(self, choices: list[str]) -> None:
            super().__init__()
            self.choices = choices

    def __init__(self, **kwargs: object) -> None:
        super().__init__(placeholder=PLACEHOLDER, **kwargs)
        self.history: list[str] = []
        self._at = 0  # index into history while browsing; len(history) = the new line
        self._draft = ""
        self._cycle: list[str] = []
        self._cycle_at = -1

    def remember(self, line: str) -> None:
        """Keep a submitted line (once, if it repeats the last one) and reset browsing."""
        if line.strip() and (not self.history or self.history[-1] != line):
            self.history.append(line)
        self._at = len(self.history)
        self._draft = ""

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        if self._at == len(self.history):
            self._draft = self.value
        self._at = max(0, min(len(self.history), self._at + step))
        self._set(self.history[self._at] if self._at < len(self.history) else self._draft)

    def action_complete(self) -> None:
        typed = self.value[: self.cursor_position]
        if self._cycle and typed == self._cycle[self._cycle_at]:
            self._cycle_at = (self._cycle_at + 1) % len(self._cycle)
            self._set(self._cycle[self._cycle_at] + self.value[self.cursor_position:])
            return
        found = candidates(typed)
        self.post_message(self.Choices([f.rstrip().rsplit(" ", 1)[-1] for f in found]))
        if not found:
            return
        shared = common_prefix(found)
        if len(found) == 1 or len(shared) > len(typed):
            self._cycle, self._cycle_at = [], -1
            self._set(shared + self.value[self.cursor_position:], len(shared))
        else:
            self._cycle, self._cycle_at = found, 0
            self._set(found[0] + self.value[self.cursor_position:], len(found[0]))

    def action_close(self) -> None:
        self.post_message(self.Closed())

    def _set(self, value: str, cursor: int | None = None) -> None:
        self.value = value
        self.cursor_position = len(value) if cursor is None else cursor
