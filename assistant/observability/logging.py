"""Log configuration, done once by each entry point: structlog over the stdlib.

Every existing `logging.getLogger(__name__).info("x.y key=%s", ...)` call keeps working:
the root handler formats stdlib records through structlog's `ProcessorFormatter`, adding
the context bound for the current request or task (`assistant.observability.context`),
`extra={...}` fields, the level, the logger name and a UTC timestamp, then masking any
phone number, email address or secret shape (`redact`) before rendering one JSON object
(or a coloured console line) per record on stderr.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, Literal

import structlog
from structlog.types import EventDict, Processor, WrappedLogger

from assistant.observability.redact import redact_value

LogFormat = Literal["json", "console"]
# Third-party loggers stay at INFO or above even when ours run at DEBUG: their debug lines
# (HTTP bodies, SQL parameters) are exactly what must not reach the log.
OUR_LOGGERS = ("assistant", "connectors")
QUIET_AT_DEBUG = ("httpcore", "openai", "urllib3", "twilio", "slack_sdk", "slack_bolt")
# HTTP clients whose INFO line is the full URL of each request (query strings included), and
# Alembic, whose two INFO lines would come with every /readyz probe (it reads the revision).
WARNINGS_ONLY = ("httpx", "httpx2", "alembic.runtime.migration")


def redact_event(_logger: WrappedLogger, _name: str, event_dict: EventDict) -> EventDict:
    """Mask phone numbers, email addresses and secret shapes in every field of the event."""
    if event_dict.get("message") == event_dict.get("event"):
        event_dict.pop("message")  # the stdlib record's copy of the event, via ExtraAdder
    event_dict.pop("color_message", None)  # uvicorn's copy of the event with ANSI colours
    return {key: redact_value(value) for key, value in event_dict.items()}


def _processors() -> list[Processor]:
    """Applied to every record, from structlog or the stdlib alike, before rendering."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def formatter(fmt: LogFormat) -> logging.Formatter:
    """The formatter of our handler: context, fields, redaction, then JSON or console."""
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_processors(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact_event,
            renderer,
        ],
    )


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """Our handler: whatever `sys.stderr` is when a record comes (a class of its own, so
    configuring twice replaces it)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_logging(fmt: str | None, level: str = "INFO", *, default: LogFormat) -> None:
    """Route all logging to one stderr handler in `fmt` (or `default`), ours at `level`."""
    chosen: LogFormat = "console" if (fmt or default) == "console" else "json"
    structlog.configure(
        processors=[
            *_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = _Handler()
    handler.setFormatter(formatter(chosen))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    numeric = logging.getLevelName(level.upper())
    numeric = numeric if isinstance(numeric, int) else logging.INFO
    root.setLevel(max(numeric, logging.INFO))
    for name in OUR_LOGGERS:
        ours = logging.getLogger(name)
        ours.setLevel(numeric)
        for extra in list(ours.handlers):  # e.g. the CLI's terminal warnings: root has them
            ours.removeHandler(extra)
    for name in QUIET_AT_DEBUG:
        logging.getLogger(name).setLevel(max(numeric, logging.INFO))
    for name in WARNINGS_ONLY:
        logging.getLogger(name).setLevel(max(numeric, logging.WARNING))


def get_logger(name: str) -> Any:
    """A structlog logger (for code that wants key=value events rather than %-formatting)."""
    return structlog.stdlib.get_logger(name)
