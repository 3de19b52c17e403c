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
    _drop_service_logging()
    show_warnings()


def _drop_service_logging() -> None:
    """Undo what `serve` or `worker` set up earlier in this process (tests run many commands
    in one): their stderr handler on the root logger and our loggers' levels, which would
    print INFO lines around a command's own output."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if type(handler).__module__ == "assistant.observability.logging":
            root.removeHandler(handler)
    for name in ("assistant", "connectors"):
        logging.getLogger(name).setLevel(logging.NOTSET)


def show_warnings() -> None:
    """Route warnings of the `assistant` loggers to the terminal, once."""
    package = logging.getLogger("assistant")
    if not any(isinstance(h, _ConsoleWarnings) for h in package.handlers):
        package.addHandler(_ConsoleWarnings(level=logging.WARNING))
