"""`POST /webhooks/twilio/sms`: inbound SMS from Twilio, answered at once with TwiML.

The signature is checked against the public URL (ASSISTANT_PUBLIC_URL + path + query, never
the Host we were reached on) over every form pair as received; unsigned or wrong → 403 and
nothing stored. Malformed input (not UTF-8, too large, no sender or sid) is a 4xx
problem+json, never a 5xx; a sender the phone library calls invalid is stored as given.
The message is handled in one short unit of work (assistant.conversations.inbound); the
answer is empty TwiML (`<Response/>`), or one `<Message>` when we answer a keyword ourselves.
The slow work is handed to the job runner after the response has gone out (after the
commit), so Twilio's 15 s limit never depends on Slack or the model.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from fastapi import APIRouter, Request, Response
from sqlalchemy import Engine
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from assistant.api.problems import problem
from assistant.config import get_settings
from assistant.conversations import (
    opt_outs,
    tasks,  # noqa: F401  (registers the tasks the jobs run)
)
from assistant.conversations.inbound import InboundResult, InboundSms, receive
from assistant.db import get_engine, unit_of_work
from assistant.drafting.brand import Brand, PromptsConfigError, load_brand
from assistant.jobs.runners import build_runner
from assistant.wiring import build_opt_out_classifier, build_twilio_signature_validator

log = logging.getLogger(__name__)
router = APIRouter(tags=["webhooks"])

INBOUND_PATH = "/webhooks/twilio/sms"
SIGNATURE_HEADER = "X-Twilio-Signature"
TWIML_TYPE = "text/xml"
# Twilio's own limits are far below these (a body is at most 1,600 characters, a sid 34):
# anything larger is not Twilio, refused before its signature is even computed.
MAX_FORM_BYTES = 64 * 1024
# What the tables hold (messages.provider_message_id, the address columns).
MAX_SID = 64
MAX_ADDRESS = 320


def twiml(reply: str | None) -> str:
    """Empty TwiML, or one message back to the sender."""
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    if reply is None:
        return f"{head}<Response/>"
    return f"{head}<Response><Message>{escape(reply)}</Message></Response>"


def public_url(request: Request) -> str:
    """The URL Twilio called: the configured public base, our path, the query as received."""
    base = get_settings().app.public_url.rstrip("/")
    query = request.url.query
    return f"{base}{request.url.path}" + (f"?{query}" if query else "")


def _receive(engine: Engine, sms: InboundSms) -> InboundResult:
    settings = get_settings()
    try:
        brand: Brand | None = load_brand()
    except PromptsConfigError as exc:
        log.error("conversations.brand_unreadable error=%s", exc)
        brand = None
    reading = opt_outs.read(sms.body)
    if reading.possible_opt_out:
        # Before the transaction: the model's few seconds never hold the inbound lock.
        reading = opt_outs.ask_model(sms.body, reading, build_opt_out_classifier(settings))
    with unit_of_work(engine) as session:
        return receive(
            session,
            sms,
            now=datetime.now(UTC),
            brand=brand,
            mode=settings.twilio.keyword_replies,
            reading=reading,
        )


def dispatch(jobs: list[tuple[str, dict[str, Any]]]) -> None:
    """Hand the jobs to the runner (in-process: they run now, after the response)."""
    if not jobs:
        return
    runner = build_runner(get_settings())
    for name, kwargs in jobs:
        try:
            runner.enqueue(name, **kwargs)
        except Exception:
            # A broker outage: the message is stored; its suggestion can be asked for again.
            log.exception("conversations.enqueue_failed task=%s", name)


@router.post(INBOUND_PATH, include_in_schema=False)
async def twilio_inbound(request: Request) -> Response:
    """Handle one inbound SMS (200 + TwiML), or refuse an unsigned one (403)."""
    raw = await request.body()
    if len(raw) > MAX_FORM_BYTES:
        return problem(413, f"The form exceeds {MAX_FORM_BYTES} bytes.")
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return problem(400, "The form is not UTF-8.")
    validator = build_twilio_signature_validator(get_settings())
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if validator is None:
        log.warning("conversations.inbound_refused reason=no_auth_token")
        return Response(status_code=403)
    if not validator.validate(public_url(request), pairs, signature):
        log.warning("conversations.inbound_refused reason=bad_signature")
        return Response(status_code=403)
    form = dict(pairs)
    sid = (form.get("MessageSid") or form.get("SmsMessageSid") or "").strip()
    sender = form.get("From", "").strip()
    to_number = form.get("To")
    if not sid or not sender:
        log.warning("conversations.inbound_refused reason=missing_field")
        return problem(400, "MessageSid and From are required.")
    if len(sid) > MAX_SID or len(sender) > MAX_ADDRESS or len(to_number or "") > MAX_ADDRESS:
        log.warning("conversations.inbound_refused reason=field_too_long")
        return problem(422, "MessageSid, From or To is longer than allowed.")
    sms = InboundSms(sid=sid, from_number=sender, to_number=to_number, body=form.get("Body", ""))
    engine = request.app.state.engine or get_engine()
    result = await run_in_threadpool(_receive, engine, sms)
    log.info("conversations.inbound sid=%s outcome=%s", sid, result.outcome)
    return Response(
        twiml(result.reply),
        media_type=TWIML_TYPE,
        background=BackgroundTask(dispatch, result.jobs) if result.jobs else None,
    )
