"""Shopify's job entry point: process one stored webhook, in its own unit of work."""

from __future__ import annotations

import logging
from datetime import datetime

from assistant.config import get_settings
from assistant.conversations import tasks as _conversation_tasks  # noqa: F401  (UPDATE_DRAFTS)
from assistant.conversations.inbound import UPDATE_DRAFTS
from assistant.db import get_engine, unit_of_work
from assistant.jobs.registry import task
from assistant.jobs.runners import build_runner, enqueue_after_commit
from assistant.models.base import utcnow
from assistant.shopify import webhooks
from assistant.shopify.records import touched, write_records

log = logging.getLogger(__name__)


@task(webhooks.PROCESS_TASK)
def process_webhook(webhook_id: int) -> str:
    """Apply stored webhook `webhook_id`, clear its payload, tell triggers who changed."""
    engine = get_engine()
    try:
        with unit_of_work(engine, writes=True) as session:
            result = webhooks.process(session, webhook_id, write=write_records, now=utcnow())
            touched(session, result.customer_ids)
            if result.draft_ids:
                runner = build_runner(get_settings())
                enqueue_after_commit(session, runner, UPDATE_DRAFTS, draft_ids=result.draft_ids)
    except Exception as exc:
        with unit_of_work(engine, writes=True) as session:
            webhooks.mark_failed(session, webhook_id, type(exc).__name__)
        raise
    return result.status


def retry_due(now: datetime | None = None) -> int:
    """From the worker's tick: queue `shopify.process_webhook` again for stored webhooks that
    failed or whose task was lost, when their next attempt is due; how many."""
    with unit_of_work(get_engine()) as session:
        due = webhooks.due_for_retry(session, now or utcnow())
    runner = build_runner(get_settings())
    for webhook_id in due:
        runner.enqueue(webhooks.PROCESS_TASK, webhook_id=webhook_id)
    if due:
        log.info("shopify.webhooks_retried count=%d", len(due))
    return len(due)
