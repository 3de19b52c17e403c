"""`POST /webhooks/email/inbound`: customer email replies from an inbound-parse service.

Accepts the raw message (`Content-Type: message/rfc822`), or the form an inbound-parse
service posts (multipart or urlencoded): SendGrid Inbound Parse's `email` field (with "POST
the raw, full MIME message") or its parsed `from`/`to`/`subject`/`text`/`headers` fields,
and Mailgun's `sender`/`body-plain`/`Message-Id`/`In-Reply-To`/`References`. Authenticated
by ASSISTANT_INBOUND_EMAIL_SECRET, sent as the `X-Assistant-Inbound-Secret` header or as the
password of basic auth (https://anything:SECRET@host/webhooks/email/inbound); unset, the
webhook refuses everything (403). The message is stored in one short unit of work, committed
before the 200, and the slow work (Slack thread, suggested answer) is queued after it.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from assistant.api.problems import problem
from assistant.config import get_settings
from assistant.conversations import tasks  # noqa: F401  (registers the tasks the jobs run)
from assistant.conversations.email_inbound import receive_email
from assistant.conversations.email_parsing import InboundEmail, parse_fields, parse_message
from assistant.conversations.inbound import InboundResult
from assistant.conversations.routes import dispatch
from assistant.db import get_engine, unit_of_work

log = logging.getLogger(__name__)
router = APIRouter(tags=["webhooks"])

INBOUND_EMAIL_PATH = "/webhooks/email/inbound"
SECRET_HEADER = "X-Assistant-Inbound-Secret"  # noqa: S105  (a header name)
# A reply with a photo or two; larger is refused (413) before anything is parsed.
MAX_EMAIL_BYTES = 10 * 1024 * 1024
MAX_FIELD_BYTES = 1024 * 1024


def _presented_secret(request: Request) -> str:
    header = request.headers.get(SECRET_HEADER)
    if header:
        return header
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return ""
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return decoded.partition(":")[2]


def _authorised(request: Request) -> bool:
    configured = get_settings().email.inbound_secret
    secret = configured.get_secret_value() if configured is not None else ""
    if not secret:
        return False
    return hmac.compare_digest(_presented_secret(request).encode(), secret.encode())


async def _fields(request: Request) -> dict[str, str] | None:
    """The form's text fields (an `email` file upload read as text too); None: not a form."""
    try:
        form = await request.form(max_part_size=MAX_FIELD_BYTES)
    except Exception:  # malformed multipart: python-multipart's own errors
        return None
    fields: dict[str, str] = {}
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            if name == "email":
                fields[name] = (await value.read(MAX_EMAIL_BYTES)).decode("utf-8", "replace")
            continue
        fields.setdefault(name, value)
    return fields


async def _bounded_body(request: Request) -> bytes | None:
    """The body, read until MAX_EMAIL_BYTES at most (None: larger, even without a length)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_EMAIL_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _receive(engine: Engine, mail: InboundEmail) -> InboundResult:
    with unit_of_work(engine) as session:
        return receive_email(session, mail, now=datetime.now(UTC))


@router.post(INBOUND_EMAIL_PATH, include_in_schema=False)
async def email_inbound(request: Request) -> Response:
    """Store one customer email (200), or refuse it (403 unauthenticated, 4xx malformed)."""
    length = request.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > MAX_EMAIL_BYTES:
        return problem(413, f"The message exceeds {MAX_EMAIL_BYTES} bytes.")
    if not _authorised(request):
        log.warning("conversations.email_inbound_refused reason=bad_secret")
        return Response(status_code=403)
    content_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type in ("message/rfc822", "text/plain", "application/octet-stream"):
        raw = await _bounded_body(request)
        if raw is None:
            return problem(413, f"The message exceeds {MAX_EMAIL_BYTES} bytes.")
        mail = parse_message(raw)
    elif content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        fields = await _fields(request)
        if fields is None:
            return problem(400, "The form could not be read.")
        raw_email = fields.get("email", "")
        mail = parse_message(raw_email.encode("utf-8")) if raw_email else parse_fields(fields)
    else:
        return problem(415, "Send message/rfc822, or an inbound-parse form.")
    if not mail.from_address:
        log.warning("conversations.email_inbound_refused reason=no_sender")
        return problem(400, "The message has no sender address.")
    engine = request.app.state.engine or get_engine()
    result = await run_in_threadpool(_receive, engine, mail)
    return JSONResponse(
        {"outcome": result.outcome},
        background=BackgroundTask(dispatch, result.jobs) if result.jobs else None,
    )
