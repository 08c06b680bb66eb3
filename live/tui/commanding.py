"""The screen's commands: keys and the ``:`` line, both through ``live.livecode``.

A mixin of ``LiveApp`` (``self.engine``, ``self.say``), kept apart so the app module is only
the picture. Relative commands (``key next``, ``temp +0.1``) start from what was last *sent*
until a later note shows it in a snapshot, so pressing ``k`` three times between two notes
moves three fifths, not one.
"""

from __future__ import annotations

from musicai.live.engine.commands import Action, Command
from musicai.live.livecode.language import Context, Parsed, parse
from musicai.live.livecode.script_watch import context_of, send_all
from musicai.live.tui.cmdline import CommandLine
from textual.widgets import Input


def echo(commands: tuple[Command, ...]) -> str:
    """``key G major; temperature 1.1 @bar``: what a line sent, for the status line."""
    return "; ".join(c.name if isinstance(c, Action) else
                     f"{c.setting} {c.value}" + (f" @{c.when}" if c.when != "note" else "")
                     for c in commands)


class Commanding:
    _intent: Context | None = None  # where sent commands lead, until a note shows it
    _intent_notes = 0

    # commands -----------------------------------------------------------------------------------
    def context(self) -> Context:
        """Where relative commands start: what was last sent, until a later note shows it."""
        snap = self.engine.snapshot
        if self._intent is not None and snap.notes_played <= self._intent_notes:
            return self._intent
        self._intent = None
        return context_of(snap)

    def run_line(self, line: str) -> Parsed:
        """Parse one line and send it; errors go to the status line, never raise."""
        parsed = parse(line, self.context())
        if parsed.ok:
            self._send(parsed)
            if parsed.commands:
                self.say(echo(parsed.commands))
        else:
            self.say(f"{parsed.where()}: {parsed.error}", error=True)
        return parsed

    def _send(self, parsed: Parsed) -> None:
        if not parsed.ok:
            return
        send_all(self.engine, parsed)
        self._intent, self._intent_notes = parsed.context, self.engine.snapshot.notes_played

    def action_line(self, line: str) -> None:
        self.run_line(line)

    def action_cycle_direction(self) -> None:
        self.run_line("dir auto" if self.context().direction == "none" else "dir none")

    def action_mute(self) -> None:
        self.run_line("unmute" if self.context().muted else "mute")

    # the command line -------------------------------------------------------------------------
    def action_open_line(self) -> None:
        """Show and focus the line at once. A priority binding runs in the app's own loop
        before the next key is forwarded, so keys typed right after ':' (already queued)
        reach the line, not the instrument's bindings. In the line, ':' is just text."""
        line = self.query_one(CommandLine)
        if self.focused is line:
            line.insert_text_at_cursor(":")
            return
        line.display = True
        self.screen.set_focus(line)

    def on_command_line_closed(self, _message: CommandLine.Closed) -> None:
        self.query_one(CommandLine).display = False
        self.screen.set_focus(None)

    def on_command_line_choices(self, message: CommandLine.Choices) -> None:
        self.say("  ".join(message.choices) if message.choices else "no completions")

    def on_input_submitted(self, message: Input.Submitted) -> None:
        line = self.query_one(CommandLine)
        parsed = self.run_line(message.value)
        line.remember(message.value)
        if parsed.ok:  # done: the keys go back to the instrument (q quits again)
            line.value = ""
            line.action_close()
        else:
            line.cursor_position = max(0, parsed.column - 1)

