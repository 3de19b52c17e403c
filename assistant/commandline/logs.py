"""The package's warnings, shown to the person at the terminal."""

from __future__ import annotations

import logging
import os


class _ConsoleWarnings(logging.Handler):
    """Shows the package's warnings on stderr, one line each."""

    def emit(self, record: logging.LogRecord) -> None:
        from assistant.commandline.output import errors
        from assistant.observability.redact import redact_text

        message = redact_text(record.getMessage())
        errors.print(f"[yellow]warning:[/] {message}", highlight=False)


def configure_cli_logging() -> None:
    """The CLI's logging: the package's warnings on the terminal (console format), or, when
    ASSISTANT_LOG_FORMAT is set, structlog lines as `serve` and `worker` write them.

    Reads the environment directly: `assistant --help` must not load settings or structlog.
    """
    fmt = os.environ.get("ASSISTANT_LOG_FORMAT", "").strip().lower()
    if fmt in ("json", "console"):
        from assistant.observability.logging import configure_logging

        level = os.environ.get("ASSISTANT_LOG_LEVEL", "WARNING")
        configure_logging(fmt, level, default="console")
        return
    show_warnings()


def show_warnings() -> None:
    """Route warnings of the `assistant` loggers to the terminal, once."""
    package = logging.getLogger("assistant")
    if not any(isinstance(h, _ConsoleWarnings) for h in package.handlers):
        package.addHandler(_ConsoleWarnings(level=logging.WARNING))
