"""The store connection: which store and token to use, checking them, storing them, and
registering the webhooks. SHOPIFY_* settings win over the stored connection.

Services flush; the caller's unit of work commits. The Admin API is reached through the
`ShopifyAdmin` port; entry points build the adapter (`assistant.wiring.build_shopify_admin`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from assistant.config import Settings
from assistant.models import ShopifyConnection
from assistant.ports import ShopifyAdmin, ShopifyApiError
from assistant.shopify import queries
from assistant.shopify import repository as repo

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/shopify"
# Topics `connect` subscribes to. The privacy topics (customers/data_request,
# customers/redact, shop/redact) cannot be subscribed through the API: they are set in the
# app's configuration (docs/shopify.md) and arrive at the same URL.
WEBHOOK_TOPICS = (
    "orders/create",
    "orders/updated",
    "orders/cancelled",
    "refunds/create",
    "customers/create",
    "customers/update",
    "products/update",
)
PRIVACY_TOPICS = ("customers/data_request", "customers/redact", "shop/redact")
_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")


class NotConnected(Exception):
    """No store is configured: neither SHOPIFY_* settings nor `assistant shopify connect`."""


class ConnectError(Exception):
    """The store could not be connected (the message is one line for the person)."""


@dataclass(frozen=True)
class Credentials:
    """Which store to talk to and how."""

    shop_domain: str
    access_token: str
    api_version: str
    base_url: str
    api_secret: str | None
    source: Literal["settings", "database"]


def normalise_domain(value: str) -> str:
    """`my-shop`, `https://my-shop.myshopify.com/` → `my-shop.myshopify.com`."""
    domain = value.strip().lower().removeprefix("https://").removeprefix("http://")
    domain = domain.split("/", 1)[0]
    if domain and "." not in domain:
        domain += ".myshopify.com"
    if not _DOMAIN.fullmatch(domain):
        raise ConnectError(
            f"{value!r} is not a store domain: use the your-store.myshopify.com domain "
            "(Settings → Domains in the Shopify admin)"
        )
    return domain


def _secret(value: object) -> str | None:
    text = value.get_secret_value() if hasattr(value, "get_secret_value") else value
    return str(text) if text else None


def credentials(session: Session, settings: Settings) -> Credentials:
    """The settings' store when SHOPIFY_SHOP_DOMAIN and SHOPIFY_ACCESS_TOKEN are set, else the
    stored connection; raises NotConnected."""
    shop = settings.shopify
    token = _secret(shop.access_token)
    if shop.shop_domain and token:
        domain = normalise_domain(shop.shop_domain)
        stored = repo.connection(session, domain)
        return Credentials(
            shop_domain=domain,
            access_token=token,
            api_version=shop.api_version,
            base_url=shop.api_url or f"https://{domain}",
            api_secret=_secret(shop.api_secret) or (stored.api_secret if stored else None),
            source="settings",
        )
    row = repo.connection(session, normalise_domain(shop.shop_domain) if shop.shop_domain else None)
    if row is None:
        raise NotConnected(
            "no Shopify store is connected: run `assistant shopify connect --shop "
            "your-store.myshopify.com` or set SHOPIFY_SHOP_DOMAIN and SHOPIFY_ACCESS_TOKEN"
        )
    return Credentials(
        shop_domain=row.shop_domain,
        access_token=row.access_token,
        api_version=shop.api_version,
        base_url=shop.api_url or f"https://{row.shop_domain}",
        api_secret=_secret(shop.api_secret) or row.api_secret,
        source="database",
    )


def webhook_secret(session: Session, settings: Settings) -> str | None:
    """The key webhooks are signed with: SHOPIFY_API_SECRET, else the stored one."""
    configured = _secret(settings.shopify.api_secret)
    if configured:
        return configured
    row = repo.connection(session)
    return row.api_secret if row is not None else None


def shop_name(admin: ShopifyAdmin) -> str:
    """The store's name (`shop { name }`): proves the token works."""
    data = admin.execute(queries.SHOP)
    return str((data.get("shop") or {}).get("name") or "")


@dataclass
class WebhookResult:
    """Which topics were subscribed now, and which were already."""

    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)


def _graphql_topic(topic: str) -> str:
    return topic.replace("/", "_").upper()


def register_webhooks(admin: ShopifyAdmin, callback_url: str) -> WebhookResult:
    """Subscribe every topic of WEBHOOK_TOPICS to `callback_url`, once: topics already sent
    there are left alone, so running it twice changes nothing."""
    subscribed: set[str] = set()
    after: str | None = None
    while True:
        page = admin.execute(queries.WEBHOOKS, {"after": after})["webhookSubscriptions"]
        for node in page.get("nodes") or ():
            if node.get("uri") == callback_url:
                subscribed.add(str(node.get("topic")))
        info = page.get("pageInfo") or {}
        if not info.get("hasNextPage"):
            break
        after = info.get("endCursor")
    result = WebhookResult()
    for topic in WEBHOOK_TOPICS:
        name = _graphql_topic(topic)
        if name in subscribed:
            result.existing.append(topic)
            continue
        data = admin.execute(
            queries.WEBHOOK_CREATE,
            {
                "topic": name,
                "subscription": {
                    "uri": callback_url,
                    "format": "JSON",
                    "metafieldNamespaces": [queries.METAFIELD_NAMESPACE],
                },
            },
        )["webhookSubscriptionCreate"]
        errors = data.get("userErrors") or []
        if errors:
            message = str(errors[0].get("message", "refused"))
            if "already been taken" in message:  # a concurrent connect subscribed it
                result.existing.append(topic)
                continue
            raise ConnectError(f"Shopify refused the {topic} webhook: {message}")
        result.created.append(topic)
    return result


@dataclass
class ConnectResult:
    """What `connect` did."""

    shop_domain: str
    shop_name: str
    callback_url: str | None
    webhooks: WebhookResult | None


def connect(
    session: Session,
    admin: ShopifyAdmin,
    *,
    shop_domain: str,
    access_token: str,
    api_secret: str | None,
    api_version: str,
    public_url: str | None,
    now: datetime,
) -> ConnectResult:
    """Check the token (`shop { name }`), store the connection, register the webhooks at
    `public_url` + /webhooks/shopify (none when `public_url` is None). Raises
    ConnectError or a ShopifyApiError (auth, unreachable)."""
    name = shop_name(admin)
    row = repo.connection(session, shop_domain)
    if row is None:
        row = ShopifyConnection(shop_domain=shop_domain, access_token=access_token)
        session.add(row)
    row.access_token = access_token
    row.api_secret = api_secret or row.api_secret
    row.api_version = api_version
    row.shop_name = name[:255] or None
    webhooks = None
    callback = None
    if public_url is not None:
        callback = public_url.rstrip("/") + WEBHOOK_PATH
        try:
            webhooks = register_webhooks(admin, callback)
        except ShopifyApiError as exc:
            raise ConnectError(
                f"the token works but webhooks could not be registered: {exc}"
            ) from None
        row.webhook_url = callback
        row.webhooks_registered_at = now
    session.flush()
    log.info("shopify.connected shop=%s webhooks=%s", shop_domain, callback is not None)
    return ConnectResult(shop_domain, name, callback, webhooks)
