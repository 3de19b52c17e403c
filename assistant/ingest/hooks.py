"""What ingestion tells the rest of the system: which customers' data just changed.

Connectors (Shopify webhooks and backfill) and record ingestion call `customers_touched`
inside the unit of work that changed the customers. It is the one place triggers are wired
in; until they are, it does nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session


def customers_touched(session: Session, customer_ids: Sequence[int]) -> None:
    """Customers (our `customers.id`) whose data the current unit of work changed."""
    del session, customer_ids
