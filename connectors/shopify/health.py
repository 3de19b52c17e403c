"""`assistant doctor`'s check of Shopify: the store answers the token (`shop { name }`)."""

from __future__ import annotations

from assistant.config import Settings
from assistant.doctor.schemas import Check
from assistant.ports import ShopifyApiError, ShopifyAuthError
from connectors.shopify.client import ShopifyGraphQL

SHOP_QUERY = "query Shop { shop { name } }"


def check_shopify(settings: Settings) -> Check:
    """Ask the store of SHOPIFY_SHOP_DOMAIN for its name with SHOPIFY_ACCESS_TOKEN."""
    shop = settings.shopify
    name = "shopify"
    token = shop.access_token.get_secret_value() if shop.access_token else ""
    domain = (shop.shop_domain or "").strip()
    if not shop.api_secret or not shop.api_secret.get_secret_value():
        webhook_note = "; SHOPIFY_API_SECRET not set: webhooks use the stored secret, if any"
    else:
        webhook_note = ""
    with ShopifyGraphQL(
        shop.api_url or f"https://{domain}",
        token,
        shop.api_version,
        timeout=min(shop.timeout_seconds, 10.0),
        max_attempts=2,
    ) as admin:
        try:
            data = admin.execute(SHOP_QUERY)
        except ShopifyAuthError:
            return Check.problem(
                name, f"{domain} refused the access token", "check SHOPIFY_ACCESS_TOKEN"
            )
        except ShopifyApiError as exc:
            return Check.problem(name, str(exc)[:200], "check SHOPIFY_SHOP_DOMAIN and the network")
    return Check.ok(name, f"store {data['shop']['name']!r} ({domain}){webhook_note}")
