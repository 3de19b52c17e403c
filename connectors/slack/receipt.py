"""The fact receipt as short lines: what a draft's message is allowed to be about."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _get(facts: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = facts.get(key)
    return value if isinstance(value, Mapping) else {}


def _join(*parts: Any) -> str:
    return " ".join(str(p) for p in parts if p not in (None, ""))


def receipt_lines(facts: Mapping[str, Any]) -> list[str]:
    """The fact receipt as short lines: what the message is allowed to be about."""
    lines: list[str] = []
    purchase = _get(facts, "purchase")
    if purchase.get("product"):
        when = f"on {purchase['ordered_on']}" if purchase.get("ordered_on") else ""
        ago = f"({purchase['days_ago']} days ago)" if purchase.get("days_ago") is not None else ""
        order = f"order #{purchase['order_number']}" if purchase.get("order_number") else ""
        lines.append(_join("Bought", purchase["product"], when, ago, order))
    milestone = _get(facts, "milestone")
    if milestone.get("description") or milestone.get("kind"):
        reached = f"reached {milestone['reached_on']}" if milestone.get("reached_on") else ""
        lines.append(
            _join("Milestone:", milestone.get("description") or milestone["kind"], reached)
        )
    product = _get(facts, "product")
    if product.get("name"):
        times = f"bought {product['times_bought']} times" if product.get("times_bought") else ""
        last = f"last on {product['last_bought_on']}" if product.get("last_bought_on") else ""
        lines.append(_join("Favourite:", product["name"], times, last))
    upgrade = _get(facts, "upgrade")
    if upgrade.get("name"):
        price = _join(upgrade.get("price"), upgrade.get("currency"))
        lines.append(_join("Upgrade:", upgrade["name"], f"({price})" if price else ""))
    returned = _get(facts, "return")
    if returned.get("product"):
        on = f"on {returned['returned_on']}" if returned.get("returned_on") else ""
        reason = f"(reason: {returned['reason']})" if returned.get("reason") else ""
        lines.append(_join("Returned", returned["product"], on, reason))
    relaunch = _get(facts, "relaunch")
    if relaunch.get("product"):
        on = f"on {relaunch['relaunched_on']}" if relaunch.get("relaunched_on") else ""
        what = f": {relaunch['improvement']}" if relaunch.get("improvement") else ""
        lines.append(_join("Relaunched", relaunch["product"], on) + what)
    offer = _get(facts, "offer")
    if offer.get("description"):
        code = f"(code {offer['code']})" if offer.get("code") else ""
        lines.append(_join("Offer:", offer["description"], code))
    customer = _get(facts, "customer")
    since = customer.get("customer_since")
    tier = customer.get("spend_tier")
    if since or tier:
        lines.append(_join("Customer", f"since {since}" if since else "", tier or ""))
    if customer.get("first_sms"):
        lines.append("First SMS to this customer: the opt-out notice is required")
    return lines
