"""`POST /webhooks/twilio/status`: Twilio's message status callbacks.

The signature is checked against the public URL (ASSISTANT_PUBLIC_URL + path + query, never
the Host we were reached on) and every form pair as received; unsigned or wrong → 403. The
update itself is idempotent and order-safe (assistant.delivery.status), so Twilio's repeats
and reorderings need no further dedupe. Unknown message ids are acknowledged and ignored.
Malformed input (not UTF-8, too large, missing or over-long fields) is a 4xx problem+json.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from assistant.api.problems import problem
from assistant.config import get_settings
from assistant.db import get_engine, unit_of_work
from assistant.delivery.policy import STATUS_CALLBACK_PATH
from assistant.delivery.status import StatusUpdate, apply_status
from assistant.wiring import build_twilio_signature_validator

log = logging.getLogger(__name__)
router = APIRouter(tags=["webhooks"])

SIGNATURE_HEADER = "X-Twilio-Signature"
# Far above anything Twilio sends; larger is refused before the signature is computed.
MAX_FORM_BYTES = 64 * 1024
# What messages.provider_message_id and messages.error_code hold.
MAX_SID = 64
MAX_ERROR_CODE = 32


def public_url(request: Request) -> str:
    """The URL Twilio called: the configured public base, our path, the query as received."""
    base = get_settings().app.public_url.rstrip("/")
    query = request.url.query
    return f"{base}{request.url.path}" + (f"?{query}" if query else "")


def _apply(engine: Engine, update: StatusUpdate) -> str:
    with unit_of_work(engine) as session:
        return apply_status(session, update, now=datetime.now(UTC))


@router.post(STATUS_CALLBACK_PATH, include_in_schema=False)
async def twilio_status(request: Request) -> Response:
    """Apply one status callback (200), or refuse an unsigned one (403)."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return problem(413, f"The form exceeds {MAX_FORM_BYTES} bytes.")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        return problem(400, "The form is not UTF-8.")
    validator = build_twilio_signature_validator(get_settings())
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if validator is None:
        log.warning("delivery.status_refused reason=no_auth_token")
        return Response(status_code=403)
    if not validator.validate(public_url(request), pairs, signature):
        log.warning("delivery.status_refused reason=bad_signature")
        return Response(status_code=403)
    form = dict(pairs)
    sid, status = form.get("MessageSid", ""), form.get("MessageStatus", "")
    if not sid or not status:
        return problem(400, "MessageSid and MessageStatus are required.")
    if len(sid) > MAX_SID or len(form.get("ErrorCode") or "") > MAX_ERROR_CODE:
        return problem(422, "MessageSid or ErrorCode is longer than allowed.")
    update = StatusUpdate(
        provider_id=sid,
        status=status,
        error_code=form.get("ErrorCode") or None,
        error_message=form.get("ErrorMessage") or None,
    )
    engine = request.app.state.engine or get_engine()
    outcome = await run_in_threadpool(_apply, engine, update)
    log.info("delivery.status sid=%s status=%s outcome=%s", sid, status, outcome)
    return Response(status_code=200)
