"""Where an ingest hands on the customers it touched (for event triggers)."""

from __future__ import annotations

import logging
from collections.abc import Set

from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


def customers_touched(session: Session, customer_ids: Set[int]) -> None:
    """Called after records were stored, inside the same unit of work (not yet wired)."""
    log.info("ingest.customers_touched count=%d", len(customer_ids))
