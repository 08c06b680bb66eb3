"""The live-coding language: a line of text (or a script) -> engine commands, or an error.

    key D minor; dir up @bar     # several statements per line, a comment after '#'
    temp +0.1; bpm 96; prog ii-V-I @phrase

A statement is a command word, its arguments and at most one quantisation mark deciding when
it lands: ``@note`` (the default: the next note), ``@beat``, ``@bar`` or ``@phrase``. A line
is all or nothing: the first problem comes back as a value (message and 1-based column) and
no command of that line is sent; no exception leaves ``parse``. Pure: no Textual, no engine.
Relative forms (``key next``, ``temp +0.1``, ``mode dorian``) start from a ``Context`` that
the caller builds from the engine's snapshot; the line's own statements update it in order.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from dataclasses import dataclass, field

from musicai.live.engine.commands import WHEN, Command
from musicai.live.errors import MusicAIError
from musicai.live.livecode.verbs import ALIASES, VERBS
from musicai.live.livecode.words import BadStatement as _Bad
from musicai.live.livecode.words import Context, Token

__all__ = ["Context", "Parsed", "parse", "parse_script"]


@dataclass(frozen=True)
class Parsed:
    """The commands of a line (or script), or why there are none."""

    commands: tuple[Command, ...] = ()
    context: Context = field(default_factory=Context)
    error: str = ""
    column: int = 0  # 1-based column of the error, 0 when there is none
    line: int = 0  # 1-based line of the error in a script, 0 for a single line

    @property
    def ok(self) -> bool:
        return not self.error

    def where(self) -> str:
        """``col 5`` or ``line 3, col 5``: where the error is, for one status line."""
        return (f"line {self.line}, " if self.line else "") + f"col {self.column}"



def parse(line: str, context: Context | None = None) -> Parsed:
    """Read one line; a bad statement makes the whole line an error value."""
    start = context or Context()
    commands: list[Command] = []
    ctx = start
    try:
        code = _strip_comment(line)
        for match in re.finditer(r"[^;]+", code):
            made, ctx = _statement(_tokens(match.group(), match.start()), ctx)
            commands += made
    except _Bad as bad:
        return Parsed(context=start, error=bad.message, column=bad.column)
    return Parsed(tuple(commands), ctx)


def parse_script(text: str, context: Context | None = None) -> Parsed:
    """Read a whole script, line by line; the first bad line makes it all an error."""
    commands: list[Command] = []
    ctx = context or Context()
    for number, line in enumerate(text.splitlines(), 1):
        result = parse(line, ctx)
        if not result.ok:
            return dataclasses.replace(result, line=number, context=context or Context())
        commands += result.commands
        ctx = result.context
    return Parsed(tuple(commands), ctx)


def _strip_comment(line: str) -> str:
    """'#' starts a comment at the line start or after a space ('F#' is a note, not one)."""
    match = re.search(r"(^|\s)#", line)
    return line if match is None else line[: match.start()]


def _tokens(text: str, offset: int) -> list[Token]:
    """Words with their 1-based columns; a leading ':' (the habit of typing the key that opened
    the line) is forgiven."""
    tokens = [(m.group(), offset + m.start() + 1) for m in re.finditer(r"\S+", text)]
    if tokens and tokens[0][0].startswith(":"):
        word, column = tokens[0]
        tokens[0:1] = [(word[1:], column + 1)] if len(word) > 1 else []
    return tokens


def _statement(tokens: list[Token], ctx: Context) -> tuple[list[Command], Context]:
    if not tokens:
        return [], ctx
    marks = [t for t in tokens if t[0].startswith("@")]
    words = [t for t in tokens if not t[0].startswith("@")]
    when = "note"
    for text, col in marks:
        if text[1:].lower() not in WHEN:
            raise _Bad(f"unknown mark {text!r}; use {', '.join('@' + w for w in WHEN)}", col)
        if len(marks) > 1:
            raise _Bad("one @mark per statement (separate statements with ';')", col)
        when = text[1:].lower()
    if not words:
        raise _Bad("a mark needs a command, e.g. 'key D minor @bar'", marks[0][1])
    verb, col = words[0][0].lower(), words[0][1]
    name = ALIASES.get(verb, verb)
    if name not in VERBS:
        close = difflib.get_close_matches(verb, [*VERBS, *ALIASES], n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise _Bad(f"unknown command {verb!r}; {hint}commands: {', '.join(VERBS)}", col)
    if marks and name in ("panic",):
        raise _Bad(f"{name} happens at once; it takes no @mark", marks[0][1])
    try:
        return VERBS[name][0](words[1:], ctx, when, col)
    except _Bad:
        raise
    except (MusicAIError, ValueError, TypeError, KeyError, IndexError, OverflowError) as err:
        raise _Bad(f"{name}: {err}", words[1][1] if len(words) > 1 else col) from None


