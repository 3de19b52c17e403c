"""`POST /slack/events`: Slack's events, interactivity and commands, over HTTP.

Every request's signature is checked here first (v0 HMAC-SHA256 of `v0:{timestamp}:{body}`
with the signing secret; the timestamp within 300 s of now, either way). A request that
fails is answered 401 and logged with the reason only, never its body (it carries draft
texts and customer names). The Bolt app is built on the first request from settings, with
the drafter factory the composition root passed to `slack_router`, and runs in the thread
pool: its listeners are synchronous.
"""

from __future__ import annotations

import logging
import threading
import time

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk.signature import Clock, SignatureVerifier
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from assistant.config import get_settings
from connectors.slack.app import SlackNotConfigured, SlackRuntime, build_runtime

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 300
_lock = threading.Lock()


def refusal_reason(
    secret: str,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    *,
    now: float | None = None,
) -> str | None:
    """Why a request is not from Slack (`unsigned`, `stale`, `bad_signature`), or None."""
    if not timestamp or not signature:
        return "unsigned"
    try:
        sent = int(timestamp)
    except ValueError:
        return "bad_timestamp"
    current = time.time() if now is None else now
    if abs(current - sent) > WINDOW_SECONDS:
        return "stale"
    verifier = SignatureVerifier(secret, clock=_FixedClock(current))
    if not verifier.is_valid(body, timestamp, signature):
        return "bad_signature"
    return None


class _FixedClock(Clock):
    """The verifier's clock, at the instant the timestamp was checked against."""

    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


def runtime_for(app: FastAPI) -> SlackRuntime:
    """The app's Slack runtime, built once from settings (SlackNotConfigured if it can't)."""
    runtime: SlackRuntime | None = getattr(app.state, "slack_runtime", None)
    if runtime is not None:
        return runtime
    with _lock:
        runtime = getattr(app.state, "slack_runtime", None)
        if runtime is None:
            engine = getattr(app.state, "engine", None)
            runtime = build_runtime(get_settings(), engine)
            app.state.slack_runtime = runtime
    return runtime


def slack_router() -> APIRouter:
    """`POST /slack/events`, served by the app's Slack runtime."""
    router = APIRouter(tags=["slack"])

    @router.post("/slack/events", include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        """Slack calls this for button clicks, modal submissions, events and commands."""
        try:
            runtime = runtime_for(request.app)
        except SlackNotConfigured as exc:
            logger.warning("slack.not_configured %s", exc)
            return JSONResponse(status_code=503, content={"error": "slack is not configured"})
        body = await request.body()
        reason = refusal_reason(
            runtime.signing_secret,
            body,
            request.headers.get("x-slack-request-timestamp"),
            request.headers.get("x-slack-signature"),
        )
        if reason is not None:
            client = request.client.host if request.client else "-"
            logger.warning("slack.request_refused reason=%s client=%s", reason, client)
            return JSONResponse(status_code=401, content={"error": "invalid request"})
        bolt_request = to_bolt_request(request, body)
        bolt_response = await run_in_threadpool(runtime.app.dispatch, bolt_request)
        return to_starlette_response(bolt_response)

    return router
