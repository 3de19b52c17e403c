"""Consent queries; nothing here commits (the unit of work does)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from assistant.fingerprints import address_keys
from assistant.models import ConsentEvent, Customer, Suppression


def write_lock(session: Session) -> None:
    """On SQLite, take the write lock before the first read: a transaction that reads and then
    writes fails ("database is locked") when another writer committed in between."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE customers SET id = id WHERE id = 0"))


def customer_by_external_id(
    session: Session, external_id: str, *, lock: bool = False
) -> Customer | None:
    """The customer with the brand's id `external_id` (row-locked on PostgreSQL with `lock`)."""
    statement = select(Customer).where(Customer.external_id == external_id)
    if lock:
        statement = statement.with_for_update()
    return session.execute(statement).scalar_one_or_none()


def history(session: Session, customer_id: int) -> list[ConsentEvent]:
    """Every consent change of the customer, oldest first."""
    return list(
        session.execute(
            select(ConsentEvent)
            .where(ConsentEvent.customer_id == customer_id)
            .order_by(ConsentEvent.occurred_at, ConsentEvent.id)
        ).scalars()
    )


def suppression_reasons(session: Session, channel: str, address: str | None) -> list[str]:
    """Why `address` is on the suppression list for `channel` (empty: it is not)."""
    if address is None or not address.strip():
        return []
    return list(
        session.execute(
            select(Suppression.reason).where(
                Suppression.channel == channel,
                func.lower(Suppression.address).in_(address_keys([address])),
            )
        ).scalars()
    )


def lift_suppressions(session: Session, channel: str, address: str, reasons: Sequence[str]) -> int:
    """Take `address` off the suppression list where it is there for one of `reasons`."""
    result = session.execute(
        delete(Suppression).where(
            Suppression.channel == channel,
            func.lower(Suppression.address).in_(address_keys([address])),
            Suppression.reason.in_(list(reasons)),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
