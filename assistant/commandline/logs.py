"""The package's warnings, shown to the person at the terminal."""

from __future__ import annotations

import logging


class _ConsoleWarnings(logging.Handler):
    """Shows the package's warnings on stderr, one line each."""

    def emit(self, record: logging.LogRecord) -> None:
        from assistant.commandline.output import errors

        errors.print(f"[yellow]warning:[/] {record.getMessage()}", highlight=False)


def show_warnings() -> None:
    """Route warnings of the `assistant` loggers to the terminal, once."""
    package = logging.getLogger("assistant")
    if not any(isinstance(h, _ConsoleWarnings) for h in package.handlers):
        package.addHandler(_ConsoleWarnings(level=logging.WARNING))
