"""What ingestion tells the rest of the system: which customers' data just changed.

Record batches (`POST /api/v1/ingest/{kind}`), Shopify webhooks and every page of a Shopify
sync call `customers_touched` inside the unit of work that changed the customers; the
triggers are evaluated for them (`triggers.evaluate`) once it commits, so a purchase, a
relaunch or a third order puts a draft in front of staff the same day. A rollback queues
nothing. Trigger windows (`prompts/triggers.yaml`) keep a backfill of history from firing.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from assistant.config import get_settings
from assistant.jobs.runners import build_runner
from assistant.triggers.hooks import evaluate_after_commit


def customers_touched(session: Session, customer_ids: Iterable[int]) -> int:
    """Queue the triggers' evaluation of `customer_ids` (our `customers.id`) for after the
    commit; how many tasks that makes (none for no customers)."""
    return evaluate_after_commit(session, build_runner(get_settings()), customer_ids)
