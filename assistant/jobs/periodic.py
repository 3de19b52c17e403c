"""The worker's periodic round: everything that must happen again and again, in one task.

Exactly one scheduler (Celery beat) sends it, but a tick may still meet another (a second
beat by mistake, a tick still running when the next is due, `assistant worker --once` from
cron beside a worker): the round runs under an advisory lock, and a tick that finds it held
does nothing and says so (`{"skipped": ...}`).
"""

from __future__ import annotations

import logging
from typing import Any

from assistant.config import get_settings
from assistant.db import get_engine
from assistant.delivery.tasks import tick as delivery_tick
from assistant.drafting.tasks import resume_stalled
from assistant.jobs.locks import exclusive
from assistant.jobs.registry import TICK_TASK, task
from assistant.wiring import sweep_slack_review

log = logging.getLogger(__name__)


@task(TICK_TASK)
def tick() -> dict[str, Any]:
    """Post review cards still unposted (Slack was down, a campaign just finished), schedule
    approved drafts, send due messages, and hand campaigns whose run died back to a worker.
    A failing step never stops the others."""
    settings = get_settings()
    with exclusive(get_engine(), TICK_TASK) as held:
        if not held:
            log.info("jobs.tick_skipped reason=another_tick_running")
            return {"skipped": "another tick is running"}
        cards = 0
        try:
            cards = sweep_slack_review(settings)
        except Exception:
            log.exception("review.sweep_failed")
        outcome = {"cards_posted": cards, **delivery_tick()}
        try:
            outcome["campaigns_resumed"] = len(resume_stalled(settings))
        except Exception:
            log.exception("campaigns.resume_failed")
        return outcome
