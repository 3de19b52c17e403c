"""Customers' email replies fetched from a mailbox (IMAP), each stored like a webhook's.

For each unread message, oldest first: parsed, stored in its own short unit of work
(`email_inbound.receive_email`, deduplicated on its Message-ID), and only then marked read;
the follow-up jobs (Slack thread, suggested answer) are returned for the caller to queue.
A message without a sender is marked read and counted, never retried forever.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from assistant.conversations.email_inbound import receive_email
from assistant.conversations.email_parsing import parse_message
from assistant.db import unit_of_work
from assistant.ports import EmailInbox

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 50


@dataclass
class PollResult:
    """What one poll fetched, by outcome, and the work to queue."""

    outcomes: Counter[str] = field(default_factory=Counter)
    jobs: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def fetched(self) -> int:
        return sum(self.outcomes.values())


def poll(
    inbox: EmailInbox,
    engine: Engine,
    *,
    now: Callable[[], datetime],
    limit: int = DEFAULT_LIMIT,
) -> PollResult:
    """Fetch, store and mark read up to `limit` unread messages."""
    result = PollResult()
    with inbox.open() as mailbox:
        for mail in mailbox.unseen(limit):
            parsed = parse_message(mail.raw)
            if not parsed.from_address:
                result.outcomes["no_sender"] += 1
            else:
                with unit_of_work(engine) as session:
                    stored = receive_email(session, parsed, now=now())
                result.outcomes[stored.outcome] += 1
                result.jobs.extend(stored.jobs)
            mailbox.mark_seen(mail.uid)
    log.info("conversations.email_polled fetched=%d %s", result.fetched, dict(result.outcomes))
    return result
