"""New text from the person at the terminal: $EDITOR, or lines ended by a lone dot."""

from __future__ import annotations

import click
from rich.console import Console

END_OF_TEXT = "."


def read_text(console: Console, current: str, *, editor: bool, prompt: str) -> str | None:
    """The new text: $EDITOR prefilled with `current`, or the lines that follow up to a line
    holding only a dot (so it can be scripted); None when empty or cancelled."""
    if editor:
        edited = click.edit(current)
        return edited.rstrip("\n") if edited and edited.strip() else None
    console.print(f"{prompt}, ended by a line with only {END_OF_TEXT!r}:", markup=False)
    lines: list[str] = []
    while True:
        try:
            line = input()
        except EOFError:
            break
        if line.strip() == END_OF_TEXT:
            break
        lines.append(line)
    text = "\n".join(lines)
    return text if text.strip() else None
