"""The worker's periodic round: everything that must happen again and again.

Exactly one scheduler (Celery beat) sends `worker.tick`, but a tick may still meet another (a
second beat by mistake, a tick still running when the next is due, `assistant worker --once`
from cron beside a worker): the round runs under an advisory lock, and a tick that finds it
held does nothing and says so (`{"skipped": ...}`). Posting unposted review cards is paced at
about one a second, so with a broker it is a task of its own (`review.post_unposted`, under
its own lock) and never holds up delivery.
"""

from __future__ import annotations

import logging
from typing import Any

from assistant.config import Settings, get_settings
from assistant.conversations.email_tasks import POLL_EMAIL, poll_now
from assistant.db import get_engine
from assistant.delivery.tasks import tick as delivery_tick
from assistant.drafting.tasks import resume_stalled
from assistant.jobs.locks import exclusive
from assistant.jobs.registry import TICK_TASK, task
from assistant.jobs.runners import CeleryRunner, build_runner
from assistant.models.base import utcnow
from assistant.shopify.tasks import retry_due as retry_shopify_webhooks
from assistant.triggers.tasks import daily_due
from assistant.wiring import sweep_slack_review

log = logging.getLogger(__name__)

SWEEP_TASK = "review.post_unposted"


@task(SWEEP_TASK)
def post_unposted() -> dict[str, Any]:
    """Post review cards still unposted (Slack was down, a campaign just finished)."""
    with exclusive(get_engine(), SWEEP_TASK) as held:
        if not held:
            return {"skipped": "another sweep is running"}
        return {"cards_posted": sweep_slack_review(get_settings())}


def _sweep(settings: Settings) -> int | str:
    """Cards posted now (in-process), or `queued` for a worker."""
    if settings.review.channel != "slack":
        return 0
    runner = build_runner(settings)
    if isinstance(runner, CeleryRunner):
        runner.expires = settings.worker.tick_seconds  # the next tick queues another
        runner.enqueue(SWEEP_TASK)
        return "queued"
    posted = post_unposted().get("cards_posted", 0)
    return int(posted)


def _poll_email(settings: Settings) -> int | str:
    """Customers' email replies fetched now (in-process), `queued` for a worker, 0 without
    ASSISTANT_IMAP_URL."""
    if settings.email.imap_url is None or not settings.email.imap_url.get_secret_value():
        return 0
    runner = build_runner(settings)
    if isinstance(runner, CeleryRunner):
        runner.expires = settings.worker.tick_seconds
        runner.enqueue(POLL_EMAIL)
        return "queued"
    result = poll_now(settings)
    return result.fetched if result is not None else 0


@task(TICK_TASK)
def tick() -> dict[str, Any]:
    """Post (or queue posting) unposted review cards, schedule approved drafts, send due
    messages, hand campaigns whose run died back to a worker, start the day's trigger run once
    it is due, retry Shopify webhooks that failed, and fetch customers' email replies when
    ASSISTANT_IMAP_URL is set. A failing step never stops the others."""
    settings = get_settings()
    with exclusive(get_engine(), TICK_TASK) as held:
        if not held:
            log.info("jobs.tick_skipped reason=another_tick_running")
            return {"skipped": "another tick is running"}
        cards: int | str = 0
        try:
            cards = _sweep(settings)
        except Exception:
            log.exception("review.sweep_failed")
        outcome: dict[str, Any] = {"cards_posted": cards, **delivery_tick()}
        try:
            outcome["campaigns_resumed"] = len(resume_stalled(settings))
        except Exception:
            log.exception("campaigns.resume_failed")
        try:
            outcome["triggers"] = daily_due(settings, utcnow())
        except Exception:
            log.exception("triggers.daily_failed")
        try:
            outcome["shopify_webhooks_retried"] = retry_shopify_webhooks()
        except Exception:
            log.exception("shopify.retry_failed")
        try:
            outcome["emails_fetched"] = _poll_email(settings)
        except Exception:
            log.exception("conversations.email_poll_failed")
        return outcome
