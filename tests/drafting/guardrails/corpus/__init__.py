"""A corpus of realistic good and bad drafts with their facts, and how the guardrails score it.

Good drafts must pass (no blocking finding); bad ones must be blocked. The product names
deliberately contain words the sensitive checks look for (House, Home, Street, Baby, Health,
Weight, Black, Pride, Tracking). `python -m tests.drafting.guardrails.corpus` prints the rates
and every miss; tests/drafting/guardrails/test_corpus.py holds them to the documented floors.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from typing import Any

from assistant.drafting.guardrails import Finding, blocking, check_draft
from tests.drafting.guardrails.fixtures import POLICY, RECOGNITION, facts

HOME_CANDLE = "Home Sweet Home Soy Candle"
STREET_TOTE = "Street Style Canvas Tote"
BABY_THROW = "Baby Alpaca Throw"
HEALTH_TEA = "Good Health Herbal Tea 20 Bags"
WEIGHTED = "Weighted Linen Blanket 7kg"
BLACK_OVEN = "Jet Black Enamel Dutch Oven 24cm"
PRIDE_MUG = "Pride Rainbow Stoneware Mug"
SLEEP_MASK = "Sleep Tracking Eye Mask"
HOUSE = "House Blend Whole Bean 250g"
MARKET_BASKET = "Main Street Market Basket"
BABY_GIFT = "New Baby Muslin Gift Set"
GRANOLA = "Health Nut Granola 500g"
CUPS = "Coffee House Espresso Cups Set of 4"
RESERVE = "Reserve Single-Origin Ethiopia Whole Bean 1kg"

EXTRA_PRODUCTS = (
    HOME_CANDLE,
    STREET_TOTE,
    BABY_THROW,
    HEALTH_TEA,
    WEIGHTED,
    BLACK_OVEN,
    PRIDE_MUG,
    SLEEP_MASK,
    MARKET_BASKET,
    BABY_GIFT,
    GRANOLA,
    CUPS,
)
BRAND_PHONE = "+1 415 555 0100"
BRAND_EMAIL = "hello@emberandoak.example"
CORPUS_POLICY = replace(
    POLICY.with_catalog(EXTRA_PRODUCTS),
    contact_phones=(BRAND_PHONE,),
    contact_emails=(BRAND_EMAIL,),
)
ACME = {"brand": {"name": "Acme Home", "sender": "Maya"}}
SIGN = "\n\nWarmly,\nSam\nEmber & Oak"
ACME_SIGN = "\n\nWarmly,\nMaya at Acme Home"


def check_in(
    product: str, *, ordered_on: str = "2026-11-18", order: str = "100234"
) -> dict[str, Any]:
    """A check-in after the purchase of `product`."""
    return {
        "playbook": "check_in",
        "purchase": {
            "product": product,
            "ordered_on": ordered_on,
            "days_ago": 5,
            "order_number": order,
        },
    }


def upsell(product: str, upgrade: str, price: str, times: int = 3) -> dict[str, Any]:
    """A step up from `product` (bought `times` times) to `upgrade` at `price`."""
    return {
        "playbook": "upsell",
        "product": {
            "name": product,
            "times_bought": times,
            "first_bought_on": "2026-09-01",
            "last_bought_on": "2026-11-02",
        },
        "upgrade": {"name": upgrade, "price": price, "currency": "USD"},
    }


def re_engage(product: str, improvement: str, reason: str = "quality") -> dict[str, Any]:
    """A returned `product`, relaunched with `improvement`."""
    return {
        "playbook": "re_engagement",
        "return": {"product": product, "returned_on": "2026-06-01", "reason": reason},
        "relaunch": {"product": product, "relaunched_on": "2026-09-15", "improvement": improvement},
    }


def reply(customer_said: str, product: str | None = None) -> dict[str, Any]:
    """A reply to the customer's message, with their last purchase when there is one."""
    part: dict[str, Any] = {
        "playbook": "reply",
        "conversation": [{"from": "customer", "text": customer_said, "at": "2026-12-06T10:00"}],
    }
    if product is not None:
        part["purchase"] = {"product": product, "ordered_on": "2026-11-18"}
    return part


def recognition(**milestone: Any) -> dict[str, Any]:
    """The fixture's recognition playbook (10 orders), with `milestone` changes."""
    part: dict[str, Any] = copy.deepcopy(RECOGNITION)
    part["milestone"] = {**part["milestone"], **milestone}
    return part


@dataclass(frozen=True)
class Case:
    """One corpus draft: `expect` names the codes a bad draft is there to exercise."""

    id: str
    channel: str
    body: str
    facts: dict[str, Any] = field(default_factory=lambda: facts())
    subject: str | None = None
    expect: tuple[str, ...] = ()

    def findings(self) -> list[Finding]:
        """The guardrails' findings with the corpus policy."""
        return check_draft(
            channel=self.channel,
            body=self.body,
            subject=self.subject,
            facts=self.facts,
            policy=CORPUS_POLICY,
        )


def sms(id: str, body: str, receipt: dict[str, Any], *expect: str) -> Case:
    """An SMS case."""
    return Case(id, "sms", body, receipt, None, expect)


def email(id: str, subject: str | None, body: str, receipt: dict[str, Any], *expect: str) -> Case:
    """An email case."""
    return Case(id, "email", body, receipt, subject, expect)


def wrongly_blocked(cases: tuple[Case, ...]) -> list[str]:
    """Good cases with a blocking finding, described for an assertion message."""
    out = []
    for case in cases:
        found = [f for f in case.findings() if f.severity == "block"]
        if found:
            out.append(f"{case.id}: " + "; ".join(f"{f.code} {f.excerpt!r}" for f in found))
    return out


def let_through(cases: tuple[Case, ...]) -> list[str]:
    """Bad cases without a blocking finding, described for an assertion message."""
    return [
        f"{case.id} (expected {', '.join(case.expect)}): {[f.code for f in case.findings()]}"
        for case in cases
        if not blocking(case.findings())
    ]
