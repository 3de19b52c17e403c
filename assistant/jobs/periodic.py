"""The worker's periodic round: everything that must happen again and again, in one task."""

from __future__ import annotations

import logging
from typing import Any

from assistant.config import get_settings
from assistant.delivery.tasks import tick as delivery_tick
from assistant.jobs.registry import task
from assistant.wiring import sweep_slack_review

log = logging.getLogger(__name__)


@task("worker.tick")
def tick() -> dict[str, Any]:
    """Post review cards still unposted (Slack was down, a campaign just finished), then
    schedule approved drafts and send due messages. A failing sweep never stops delivery."""
    cards = 0
    try:
        cards = sweep_slack_review(get_settings())
    except Exception:
        log.exception("review.sweep_failed")
    return {"cards_posted": cards, **delivery_tick()}
