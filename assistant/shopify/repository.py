"""Queries for the Shopify connection, sync state and webhooks (no commits)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant.models import Product, ShopifyConnection, ShopifySyncState, ShopifyWebhook


def connection(session: Session, shop_domain: str | None = None) -> ShopifyConnection | None:
    """The stored connection of `shop_domain`, or the most recently updated one."""
    query = select(ShopifyConnection)
    if shop_domain is not None:
        query = query.where(ShopifyConnection.shop_domain == shop_domain)
    query = query.order_by(ShopifyConnection.updated_at.desc(), ShopifyConnection.id.desc())
    return session.execute(query.limit(1)).scalar_one_or_none()


def sync_state(session: Session, shop_domain: str, resource: str) -> ShopifySyncState | None:
    return session.execute(
        select(ShopifySyncState).where(
            ShopifySyncState.shop_domain == shop_domain, ShopifySyncState.resource == resource
        )
    ).scalar_one_or_none()


def missing_products(session: Session, external_ids: Iterable[str]) -> set[str]:
    """Those of `external_ids` no product has."""
    wanted = set(external_ids)
    if not wanted:
        return set()
    found = session.execute(
        select(Product.external_id).where(Product.external_id.in_(wanted))
    ).scalars()
    return wanted - set(found)


def webhook_by_event(session: Session, event_id: str) -> ShopifyWebhook | None:
    return session.execute(
        select(ShopifyWebhook).where(ShopifyWebhook.event_id == event_id)
    ).scalar_one_or_none()


def add_webhook_once(session: Session, webhook: ShopifyWebhook) -> ShopifyWebhook | None:
    """Insert `webhook`, or None when its event id was stored already (a retry; also when a
    concurrent delivery of the same event won the unique constraint)."""
    if webhook_by_event(session, webhook.event_id) is not None:
        return None
    try:
        with session.begin_nested():
            session.add(webhook)
            session.flush()
    except IntegrityError:
        return None
    return webhook


def forget_shop(session: Session, shop_domain: str) -> int:
    """Delete a shop's connection and sync state, clear its webhooks' payloads; rows touched."""
    touched = 0
    for model in (ShopifySyncState, ShopifyConnection):
        for row in session.execute(select(model).where(model.shop_domain == shop_domain)).scalars():
            session.delete(row)
            touched += 1
    for hook in session.execute(
        select(ShopifyWebhook).where(
            ShopifyWebhook.shop_domain == shop_domain, ShopifyWebhook.payload.is_not(None)
        )
    ).scalars():
        hook.payload = None
        touched += 1
    session.flush()
    return touched
