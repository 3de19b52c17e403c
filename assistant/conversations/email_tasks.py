"""`conversations.poll_email`: fetch customers' email replies from ASSISTANT_IMAP_URL.

Queued by the worker's tick when the setting is present (and run by `assistant email poll`);
one poll at a time (an advisory lock), the follow-up work queued after each message's commit.
"""

from __future__ import annotations

import logging
from typing import Any

from assistant.config import Settings, get_settings
from assistant.conversations.email_poll import DEFAULT_LIMIT, PollResult, poll
from assistant.db import get_engine
from assistant.jobs.locks import exclusive
from assistant.jobs.registry import task
from assistant.jobs.runners import build_runner
from assistant.models.base import utcnow
from assistant.wiring import build_email_inbox

log = logging.getLogger(__name__)

POLL_EMAIL = "conversations.poll_email"


def queue_jobs(settings: Settings, jobs: list[tuple[str, dict[str, Any]]]) -> None:
    """Hand the follow-up jobs to the runner; a broker outage leaves the messages stored."""
    if not jobs:
        return
    runner = build_runner(settings)
    for name, kwargs in jobs:
        try:
            runner.enqueue(name, **kwargs)
        except Exception:
            log.exception("conversations.enqueue_failed task=%s", name)


def poll_now(settings: Settings, *, limit: int = DEFAULT_LIMIT) -> PollResult | None:
    """Poll the mailbox once (None: no ASSISTANT_IMAP_URL, or another poll holds the lock)."""
    inbox = build_email_inbox(settings)
    if inbox is None:
        return None
    engine = get_engine()
    with exclusive(engine, POLL_EMAIL) as held:
        if not held:
            return None
        result = poll(inbox, engine, now=utcnow, limit=limit)
    queue_jobs(settings, result.jobs)
    return result


@task(POLL_EMAIL)
def poll_email(limit: int = DEFAULT_LIMIT) -> dict[str, Any]:
    """Fetch and store unread replies; what came of them by outcome."""
    result = poll_now(get_settings(), limit=limit)
    if result is None:
        return {"skipped": "no ASSISTANT_IMAP_URL, or another poll is running"}
    return {"fetched": result.fetched, **result.outcomes}
