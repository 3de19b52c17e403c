"""The five built-in playbooks: who gets which kind of message, when, and with which prompt.

Defaults follow what works for retail brands: recognition thanks the best customers
at a milestone, check-in follows a purchase within days, upsell suggests the better version of
a product bought again and again, re-engagement answers a return once the product is improved.
No playbook carries a discount by default: recognition beats discounts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from assistant.ports import Channel


@dataclass(frozen=True)
class Timing:
    """When a draft is due, in days after the qualifying `event`; None means no bound."""

    event: str
    min_days_after: int | None = None
    max_days_after: int | None = None

    def __post_init__(self) -> None:
        low, high = self.min_days_after, self.max_days_after
        if (low is not None and low < 0) or (high is not None and high < 0):
            raise ValueError("timing bounds must not be negative")
        if low is not None and high is not None and low > high:
            raise ValueError(f"min_days_after {low} is after max_days_after {high}")

    def allows(self, days_after: int) -> bool:
        """Whether a draft `days_after` the event is inside the window."""
        low, high = self.min_days_after, self.max_days_after
        return (low is None or days_after >= low) and (high is None or days_after <= high)


@dataclass(frozen=True)
class Playbook:
    """One kind of 1:1 message: its audience, default channel, timing, offer and prompt.

    `segment` is the default audience (None for `reply`, which answers a conversation);
    `fallback_segment` is used when the default one is empty. `offer` is None unless the
    playbook grants one; only then may a draft mention a discount. `cooldown_days` is the
    least time between two drafts of this playbook for one customer.
    """

    name: str
    description: str
    segment: str | None
    channel: Channel
    timing: Timing
    offer: dict[str, Any] | None
    cooldown_days: int
    prompt: str
    fallback_segment: str | None = None


class UnknownPlaybook(ValueError):
    """No playbook of that name; the message lists the valid names."""


_ALL: tuple[Playbook, ...] = (
    Playbook(
        name="recognition",
        description="Thank a best customer personally when they reach a milestone; no discount.",
        segment="milestone",
        fallback_segment="vip",
        channel="email",
        timing=Timing("milestone", min_days_after=0, max_days_after=30),
        offer=None,
        cooldown_days=90,
        prompt="recognition",
    ),
    Playbook(
        name="check_in",
        description="Ask whether a recent purchase arrived and works, and offer help with it.",
        segment="recent_buyers_14d",
        channel="sms",
        timing=Timing("purchase", min_days_after=3, max_days_after=7),
        offer=None,
        cooldown_days=14,
        prompt="check_in",
    ),
    Playbook(
        name="upsell",
        description="Suggest the better version of a product the customer keeps coming back to.",
        segment="product_fans",
        channel="email",
        timing=Timing("last_repeat_purchase", min_days_after=0, max_days_after=30),
        offer=None,
        cooldown_days=30,
        prompt="upsell",
    ),
    Playbook(
        name="re_engagement",
        description="Win back trust after a return: acknowledge it, show the improved product.",
        segment="returned_relaunched",
        channel="email",
        timing=Timing("relaunch", min_days_after=0, max_days_after=120),
        offer=None,
        cooldown_days=60,
        prompt="re_engagement",
    ),
    Playbook(
        name="reply",
        description="Suggest an answer to a customer's message in an open conversation.",
        segment=None,
        channel="sms",
        timing=Timing("inbound_message"),
        offer=None,
        cooldown_days=0,
        prompt="reply",
    ),
)

PLAYBOOKS: Mapping[str, Playbook] = MappingProxyType({p.name: p for p in _ALL})


def get_playbook(name: str) -> Playbook:
    """The playbook called `name`, or `UnknownPlaybook` listing the valid names."""
    try:
        return PLAYBOOKS[name]
    except KeyError:
        from assistant.suggest import did_you_mean

        valid = ", ".join(PLAYBOOKS)
        hint = did_you_mean(name, PLAYBOOKS)
        raise UnknownPlaybook(f"unknown playbook {name!r}{hint}; choose one of: {valid}") from None
