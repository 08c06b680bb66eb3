"""Tab completion for the command line, from the language's own tables (``live.livecode``).

Pure: given the text before the cursor, the candidates for the word being typed, each as the
whole new text, so the widget only swaps its value. Completes command words, each command's
first argument (directions, modes, ``next``, setting names for ``set``) and ``@`` marks.
"""

from __future__ import annotations

from musicai.live.livecode.verbs import ALIASES, ARGUMENTS, MARKS, VERBS


def candidates(text: str) -> list[str]:
    """Every completion of the last word of ``text`` (whole texts, in the tables' order)."""
    statement = text.rpartition(";")[2]
    head = text[: len(text) - len(statement)]
    words = statement.split()
    typing = "" if not words or statement[-1:].isspace() else words[-1]
    before = words[:-1] if typing else words
    prefix = head + statement[: len(statement) - len(typing)]
    if typing.startswith("@"):
        options: tuple[str, ...] = MARKS
    elif not before:
        options = tuple(VERBS)
    else:
        verb = ALIASES.get(before[0].lower(), before[0].lower())
        taken = before[1:]
        options = ARGUMENTS.get(verb, ()) if not taken else ()
        if verb == "mode" and taken:  # two-word modes: "harmonic minor"
            options = tuple(m.split(" ", 1)[1] for m in ARGUMENTS["mode"]
                            if m.startswith(taken[0].lower() + " "))
    low = typing.lower()
    return [prefix + option + " " for option in options if option.lower().startswith(low)]


def common_prefix(texts: list[str]) -> str:
    """The longest start all ``texts`` share ("" for none)."""
    if not texts:
        return ""
    first, last = min(texts), max(texts)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]
