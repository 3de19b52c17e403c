"""Drive the app at the ASGI level and look at the database the moment the response starts.

A TestClient only returns once the whole exchange is over, when the unit of work has
committed either way; `call` runs `at_response_start` as the app sends
`http.response.start`, which is what a client acting on the status line would race.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import FastAPI

T = TypeVar("T")


def call(
    app: FastAPI,
    method: str,
    path: str,
    *,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    at_response_start: Callable[[], T],
) -> tuple[int, T]:
    """The response's status and what `at_response_start` returned when it started."""
    chunks = [{"type": "http.request", "body": body, "more_body": False}]
    started: list[tuple[int, T]] = []

    async def receive() -> dict[str, Any]:
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            started.append((message["status"], at_response_start()))

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"t"),
            *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("t", 443),
        "state": {},
    }
    asyncio.run(app(scope, receive, send))
    assert len(started) == 1, "the app never started a response"
    return started[0]
