"""Request body limits, enforced before any route parses or verifies a body.

`BodyLimit` is a pure ASGI middleware: a request whose Content-Length exceeds its path's limit
is answered 413 (problem+json) at once, unread; a body without a length (chunked) is counted
while the route reads it and refused as soon as it passes the limit. So an unsigned 50 MB
post costs nothing: no buffering, no form parsing, no signature computed over it.

Limits by path (`limit_for`): Twilio webhooks 64 KiB (an SMS body is at most 1,600
characters), Shopify webhooks 1 MiB (a large order), Slack events and interactions 1 MiB
(Slack's payloads are a few KiB), /api/v1 `ASSISTANT_MAX_BODY_BYTES` (default 2 MiB) but at
least 8 MiB for /api/v1/ingest/ (1,000 records, an event's properties up to 4,096
characters), anything else 64 KiB.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

from assistant.api.problems import problem
from assistant.config import get_settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

KIB = 1024
WEBHOOK_MAX_BYTES = 64 * KIB
SLACK_MAX_BYTES = 1024 * KIB
# A Shopify order with hundreds of lines (each with taxes, discounts, properties) runs to a
# few hundred KiB; twice the largest seen in practice.
SHOPIFY_MAX_BYTES = 1024 * KIB
OTHER_MAX_BYTES = 64 * KIB
INGEST_MAX_BYTES = 8 * 1024 * KIB


def limit_for(path: str) -> int:
    """The largest body, in bytes, a request to `path` may carry."""
    if path.startswith("/api/"):
        configured = int(get_settings().app.max_body_bytes)
        return (
            max(configured, INGEST_MAX_BYTES) if path.startswith("/api/v1/ingest/") else configured
        )
    if path.startswith("/slack/"):
        return SLACK_MAX_BYTES
    if path.startswith("/webhooks/shopify"):
        return SHOPIFY_MAX_BYTES
    if path.startswith("/webhooks/"):
        return WEBHOOK_MAX_BYTES
    return OTHER_MAX_BYTES


def _too_large(limit: int) -> str:
    return f"The body exceeds {limit} bytes, the most this path accepts."


class BodyTooLarge(HTTPException):
    """A streamed body passed its limit (raised from `receive`; answered 413 problem+json)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _too_large(limit))


class BodyLimit:
    """Refuse bodies larger than `limit_for(path)` with 413, before the app reads them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"])
        declared = _content_length(scope)
        if declared == -1:
            await problem(400, "Content-Length is not a number.")(scope, receive, send)
            return
        if declared is not None and declared > limit:
            await problem(413, _too_large(limit), headers={"Connection": "close"})(
                scope, receive, send
            )
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            # The app's problem handlers answer it (an HTTPException); this is the fallback
            # for anything that lets it through.
            if started:
                raise
            await problem(413, _too_large(limit), headers={"Connection": "close"})(
                scope, receive, send
            )


def _content_length(scope: Scope) -> int | None:
    """The declared length; None when absent, -1 when not a number."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            if not text.isascii() or not text.isdigit():
                return -1
            return int(text) if len(text) <= 30 else 2**63  # long enough to exceed any limit
    return None
