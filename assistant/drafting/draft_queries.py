"""Reading drafts page by page: by campaign, state, playbook and channel, with the customer's
external id (the CLI's offset pages and the API's cursor pages)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from assistant.models import Customer, Draft


def _draft_filters(
    campaign_id: int | None = None,
    state: str | None = None,
    playbook: str | None = None,
    channel: str | None = None,
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    for column, value in (
        (Draft.campaign_id, campaign_id),
        (Draft.state, state),
        (Draft.playbook, playbook),
        (Draft.channel, channel),
    ):
        if value is not None:
            conditions.append(column == value)
    return conditions


def list_drafts(
    session: Session,
    *,
    campaign_id: int | None = None,
    state: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[tuple[Draft, str]]]:
    """(total, one page of (draft, customer external id)) in draft id order."""
    conditions = _draft_filters(campaign_id, state)
    total = session.execute(select(func.count()).select_from(Draft).where(*conditions)).scalar_one()
    rows = session.execute(
        select(Draft, Customer.external_id)
        .join(Customer, Customer.id == Draft.customer_id)
        .where(*conditions)
        .order_by(Draft.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return int(total), [(draft, external) for draft, external in rows]


@dataclass(frozen=True)
class DraftFilter:
    """Which drafts a list shows (None: any)."""

    campaign_id: int | None = None
    state: str | None = None
    playbook: str | None = None
    channel: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        return _draft_filters(self.campaign_id, self.state, self.playbook, self.channel)


def count_drafts(session: Session, wanted: DraftFilter) -> int:
    """How many drafts match `wanted`."""
    query = select(func.count()).select_from(Draft).where(*wanted.conditions())
    return int(session.execute(query).scalar_one())


def drafts_after(
    session: Session, wanted: DraftFilter, after: int | None, limit: int
) -> list[tuple[Draft, str]]:
    """Up to `limit` (draft, customer external id) matching `wanted` with ids above `after`,
    in id order: one page for a cursor."""
    query = (
        select(Draft, Customer.external_id)
        .join(Customer, Customer.id == Draft.customer_id)
        .where(*wanted.conditions())
        .order_by(Draft.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(Draft.id > after)
    return [(draft, external) for draft, external in session.execute(query).all()]
