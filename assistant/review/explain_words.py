"""Plain words for a review card's explanation: the segment rule or trigger, the qualifying
row (from the draft's stored facts), and why a message waits or is held. Pure, no I/O."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

# What fires each trigger kind, in words ({param} filled from the trigger's parameters).
TRIGGER_RULES: Mapping[str, str] = {
    "purchase": "a paid order {days} days ago (catching up {catch_up_days} more days)",
    "milestone_crossed": (
        "a milestone crossed in the last {within_days} days: {lifetime_spend} of lifetime "
        "spend, {orders} orders or {years} years as a customer"
    ),
    "product_relaunched": (
        "a product returned for {reasons} was relaunched in the last {within_days} days"
    ),
    "repeat_product": "a product with an upgrade bought {purchases} times in {within_days} days",
    "lapsed_high_value": (
        "a top {clv_top_percent}% customer (predicted 12-month value) whose last order is "
        "{days} days old"
    ),
}
# Why a message would wait (`defer`) or not go at all (`hold`, `cancel`), by rule reason.
REASONS: Mapping[str, str] = {
    "no_consent": "no consent recorded on this channel",
    "opted_out": "the customer opted out on this channel",
    "no_address": "no address on file for this channel",
    "suppressed": "the address is on the suppression list",
    "customer_replied": "the customer wrote to us since the draft was written",
    "customer_purchased": "the customer ordered since the draft was written",
    "playbook_window_passed": "the playbook's timing window has passed",
    "campaign_cancelled": "the campaign was cancelled",
    "campaign_paused": "the campaign is paused",
    "quiet_hours": "quiet hours in the customer's time zone",
    "frequency_cap": "the per-channel frequency cap",
    "contact_cap": "the daily contact cap",
    "send_time": "the customer's usual engagement hour",
    "playbook_timing": "the playbook's timing window opens then",
    "rejected": "the draft was rejected",
    "cancelled": "the draft was cancelled",
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def reason_words(code: str | None) -> str:
    """A rule reason in plain words (an unknown code as itself, underscores as spaces)."""
    if not code:
        return "no reason recorded"
    return REASONS.get(code, code.replace("_", " "))


def fill(template: str, params: Mapping[str, Any]) -> str:
    """`template` with `{param}` placeholders filled; unknown ones are left as they are."""

    def value(match: re.Match[str]) -> str:
        found = params.get(match.group(1))
        if found is None:
            return match.group(0)
        if isinstance(found, list | tuple):
            return ", ".join(str(v) for v in found)
        return str(found)

    return _PLACEHOLDER.sub(value, template)


def _section(facts: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = facts.get(key)
    return value if isinstance(value, Mapping) else {}


def _amount(value: Any, currency: Any) -> str:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return f"{value} {currency or ''}".strip()
    return f"{number:,.0f} {currency or ''}".strip()


def _milestone(section: Mapping[str, Any]) -> str | None:
    kind, reached = section.get("kind"), section.get("reached_on")
    on = f" on {reached}" if reached else ""
    if kind == "lifetime_spend":
        amount = _amount(section.get("threshold"), section.get("currency"))
        return f"crossed {amount} lifetime spend{on}"
    if kind == "orders":
        return f"placed their order number {section.get('threshold')}{on}"
    if kind == "tenure_years":
        years = section.get("threshold")
        return f"reached {years} year{'s' if years != 1 else ''} as a customer{on}"
    description = section.get("description") or kind
    return f"reached {description}{on}" if description else None


def _repeat(section: Mapping[str, Any], upgrade: Mapping[str, Any]) -> str:
    line = f"bought {section['name']}"
    if section.get("times_bought"):
        line += f" {section['times_bought']} times"
    if section.get("first_bought_on"):
        line += f" since {section['first_bought_on']}"
    if section.get("last_bought_on"):
        line += f" (last on {section['last_bought_on']})"
    if upgrade.get("name"):
        price = " ".join(str(upgrade[k]) for k in ("price", "currency") if upgrade.get(k))
        line += f"; upgrade to suggest: {upgrade['name']}" + (f" ({price})" if price else "")
    return line


def _returned(section: Mapping[str, Any], relaunch: Mapping[str, Any]) -> str:
    line = f"returned {section['product']}"
    if section.get("returned_on"):
        line += f" on {section['returned_on']}"
    if section.get("reason"):
        line += f" ({section['reason']})"
    if relaunch:
        line += "; relaunched"
        if relaunch.get("relaunched_on"):
            line += f" {relaunch['relaunched_on']}"
        if relaunch.get("improvement"):
            line += f": {relaunch['improvement']}"
    return line


def _purchase(section: Mapping[str, Any]) -> str:
    line = f"bought {section['product']}"
    if section.get("ordered_on"):
        line += f" on {section['ordered_on']}"
    extra = []
    if section.get("days_ago") is not None:
        extra.append(f"{section['days_ago']} days ago")
    if section.get("order_number"):
        extra.append(f"order #{section['order_number']}")
    return line + (f" ({', '.join(extra)})" if extra else "")


def qualifying_lines(facts: Mapping[str, Any]) -> list[str]:
    """The row that made this customer qualify, read from the draft's stored facts: the
    milestone crossed, the product bought again and again, the return and the relaunch, the
    purchase to check in on; for a follow-up, the message it follows."""
    lines: list[str] = []
    milestone = _section(facts, "milestone")
    if milestone:
        line = _milestone(milestone)
        if line:
            lines.append(line)
    product = _section(facts, "product")
    if product.get("name"):
        lines.append(_repeat(product, _section(facts, "upgrade")))
    returned = _section(facts, "return")
    if returned.get("product"):
        lines.append(_returned(returned, _section(facts, "relaunch")))
    purchase = _section(facts, "purchase")
    if purchase.get("product"):
        lines.append(_purchase(purchase))
    trigger = _section(facts, "trigger")
    if trigger.get("follow_up"):
        line = f"follow-up step {trigger.get('step')}"
        if trigger.get("previous_sent_on"):
            line += f" after the message sent on {trigger['previous_sent_on']}"
        lines.append(line)
    return lines
