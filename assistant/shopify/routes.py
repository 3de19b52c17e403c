"""`POST /webhooks/shopify`: verify, store once, queue; the work happens in the task.

The body is capped before any HMAC work (1 MiB: assistant/api/limits.py and here), then
`X-Shopify-Hmac-Sha256` is checked (base64 HMAC-SHA256 of the raw body with
SHOPIFY_API_SECRET, constant time): unsigned or wrong → 401 problem+json, nothing stored.
A verified delivery is stored once per `X-Shopify-Event-Id` (a retry finds its row: 200,
`duplicate`), and `shopify.process_webhook` is queued after the commit, handed to the job
runner once the response has gone out, so Shopify's 5 s limit never waits on our work.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from assistant.api.limits import SHOPIFY_MAX_BYTES
from assistant.api.problems import problem
from assistant.config import get_settings
from assistant.db import get_engine, unit_of_work
from assistant.jobs.runners import CollectingRunner, build_runner
from assistant.shopify import tasks  # noqa: F401  (registers the task the runner runs)
from assistant.shopify.service import WEBHOOK_PATH, webhook_secret
from assistant.shopify.webhooks import Delivery, receive
from assistant.wiring import verify_shopify_webhook

log = logging.getLogger(__name__)
router = APIRouter(tags=["webhooks"])

HMAC_HEADER = "X-Shopify-Hmac-Sha256"
MAX_EVENT_ID = 255


def _secret(engine: Engine) -> str | None:
    with unit_of_work(engine) as session:
        return webhook_secret(session, get_settings())


def _store(engine: Engine, delivery: Delivery) -> tuple[str, list[tuple[str, dict[str, Any]]]]:
    collector = CollectingRunner()
    with unit_of_work(engine, writes=True) as session:
        outcome = receive(session, delivery, collector)
    return outcome, collector.jobs


def dispatch(jobs: list[tuple[str, dict[str, Any]]]) -> None:
    """Hand the committed jobs to the runner (in-process: they run now, after the response)."""
    runner = build_runner(get_settings())
    for name, kwargs in jobs:
        try:
            runner.enqueue(name, **kwargs)
        except Exception:
            # A broker outage: the webhook is stored as received; `shopify sync` covers it.
            log.exception("shopify.enqueue_failed task=%s", name)


def _timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


@router.post(WEBHOOK_PATH, include_in_schema=False)
async def shopify_webhook(request: Request) -> Response:
    """Take one Shopify webhook (200), or refuse an unsigned one (401)."""
    raw = await request.body()
    if len(raw) > SHOPIFY_MAX_BYTES:
        return problem(413, f"The body exceeds {SHOPIFY_MAX_BYTES} bytes.")
    engine = request.app.state.engine or get_engine()
    secret = await run_in_threadpool(_secret, engine)
    if not secret:
        log.warning("shopify.webhook_refused reason=no_api_secret")
        return problem(401, "Shopify webhooks are not configured on this server.")
    if not verify_shopify_webhook(secret, raw, request.headers.get(HMAC_HEADER)):
        log.warning("shopify.webhook_refused reason=bad_signature")
        return problem(401, "The request is not signed by Shopify.")
    topic = request.headers.get("X-Shopify-Topic", "").strip()
    event_id = (
        request.headers.get("X-Shopify-Event-Id") or request.headers.get("X-Shopify-Webhook-Id")
    ) or ""
    event_id = event_id.strip()
    if not topic or not event_id or len(event_id) > MAX_EVENT_ID:
        return problem(400, "X-Shopify-Topic and X-Shopify-Event-Id are required.")
    try:
        payload = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return problem(400, "The body is not JSON.")
    if not isinstance(payload, dict):
        return problem(400, "The body is not a JSON object.")
    delivery = Delivery(
        event_id=event_id,
        topic=topic,
        shop_domain=request.headers.get("X-Shopify-Shop-Domain"),
        triggered_at=_timestamp(request.headers.get("X-Shopify-Triggered-At")),
        payload=payload,
    )
    outcome, jobs = await run_in_threadpool(_store, engine, delivery)
    log.info("shopify.webhook event=%s topic=%s outcome=%s", event_id[:64], topic[:64], outcome)
    return JSONResponse(
        {"status": outcome},
        background=BackgroundTask(dispatch, jobs) if jobs else None,
    )
