"""`POST /slack/events`: Slack's events, interactivity and commands, over HTTP.

Every request's signature is checked here first (v0 HMAC-SHA256 of `v0:{timestamp}:{body}`
with the signing secret; the timestamp within 300 s of now, either way). A request that
fails is answered 401 (400 for a signed body that is not UTF-8) as a problem document, and
logged with the reason only, never its body (it carries draft texts and customer names).
Whatever the bytes, the check never raises. The Bolt app is built on the first request from
settings, with the drafter factory the composition root passed to `slack_router`, and runs
in the thread pool: its listeners are synchronous.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time

from fastapi import APIRouter, FastAPI, Request
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk.signature import Clock, SignatureVerifier
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from assistant.api.problems import problem
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
    """Why a request is not from Slack (`unsigned`, `stale`, `bad_signature`, `not_utf8`), or
    None. Never raises, whatever the bytes: a hostile request is refused, not a 500."""
    if not timestamp or not signature:
        return "unsigned"
    if not signature.isascii():
        return "bad_signature"  # hmac.compare_digest refuses non-ASCII text
    try:
        sent = int(timestamp)
    except ValueError:
        return "bad_timestamp"
    current = time.time() if now is None else now
    if abs(current - sent) > WINDOW_SECONDS:
        return "stale"
    try:
        body.decode("utf-8")  # Slack signs UTF-8 text; the verifier decodes it
    except UnicodeDecodeError:
        # Signed over the raw bytes as Slack would: a 400 only for a genuine sender's mistake.
        base = b"v0:" + timestamp.encode() + b":" + body
        expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
        return "not_utf8" if hmac.compare_digest(expected, signature) else "bad_signature"
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
            return problem(503, "Slack is not configured on this server.")
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
            if reason == "not_utf8":
                return problem(400, "The body is not UTF-8.")
            return problem(401, "The request is not signed by Slack.")
        bolt_request = to_bolt_request(request, body)
        bolt_response = await run_in_threadpool(runtime.app.dispatch, bolt_request)
        return to_starlette_response(bolt_response)

    return router
