"""Per-request logging context, our access log line and the request latency histogram.

Uvicorn's own access log is off (`assistant serve`): it prints the raw path, and some paths
carry secrets (`/unsubscribe/{token}`). Our line names the route template instead, with the
method, status, duration and the request id (from `X-Request-ID`, else generated, and
echoed in the response's `X-Request-ID` header).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from fastapi import Request
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.observability.context import bind, ids_of, start_request
from assistant.observability.metrics import HTTP_REQUEST_SECONDS

log = logging.getLogger("assistant.http")

HEADER = "x-request-id"
# A caller's id is kept only if it is short and plain (it is echoed and logged).
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
UNMATCHED = "unmatched"


def request_id_from(scope: Scope) -> str:
    """The caller's X-Request-ID when it is safe to echo, else a new one."""
    for name, value in scope.get("headers", []):
        if name == HEADER.encode():
            given = str(value.decode("latin-1")).strip()
            if _SAFE_ID.match(given):
                return given
    return str(uuid.uuid4())


def route_template(scope: Scope) -> str:
    """The matched route's path template (`/unsubscribe/{token}`), never the raw path."""
    route: BaseRoute | None = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else UNMATCHED


class RequestContextMiddleware:
    """Binds the request id, logs one line per request and times it by route template."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope)
        start_request(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
                headers.append((HEADER.encode(), request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope)
            method = str(scope.get("method", ""))
            HTTP_REQUEST_SECONDS.labels(method, route, str(status)).observe(elapsed)
            log.info(
                "http.request",
                extra={
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 1),
                },
            )


async def bind_path_ids(request: Request) -> None:
    """Dependency of every API router: the ids in the route's path join the log context.

    Async on purpose: it runs in the request's own task, so the binding reaches the endpoint.
    """
    values: dict[str, Any] = ids_of(request.path_params)
    if values:
        bind(**values)
