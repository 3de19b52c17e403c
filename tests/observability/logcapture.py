"""Every log line the service writes, as the JSON formatter renders it, for a test to read."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog

from assistant.observability.logging import (
    OUR_LOGGERS,
    QUIET_AT_DEBUG,
    WARNINGS_ONLY,
    configure_logging,
    formatter,
)


class Captured:
    """The rendered lines so far."""

    def __init__(self, stream: io.StringIO) -> None:
        self._stream = stream

    @property
    def text(self) -> str:
        return self._stream.getvalue()

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]


@contextmanager
def captured_logs(level: str = "DEBUG") -> Iterator[Captured]:
    """Logging as `assistant serve` configures it (ours at `level`, third parties at INFO or
    above), plus a handler rendering every record to JSON in memory; restored afterwards."""
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    names = [*logging.root.manager.loggerDict, *OUR_LOGGERS, *QUIET_AT_DEBUG, *WARNINGS_ONLY]
    levels = {name: logging.getLogger(name).level for name in names}
    handlers = {name: list(logging.getLogger(name).handlers) for name in OUR_LOGGERS}
    configure_logging("json", level, default="json")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter("json"))
    root.addHandler(handler)
    try:
        yield Captured(stream)
    finally:
        root.handlers[:] = saved[1]
        root.setLevel(saved[0])
        for name, value in levels.items():
            logging.getLogger(name).setLevel(value)
        for name, kept in handlers.items():
            logging.getLogger(name).handlers[:] = kept
        structlog.reset_defaults()
        structlog.contextvars.clear_contextvars()
