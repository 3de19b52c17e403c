"""Property: a text made only of fact values (in any common form) and neutral words never
yields an invented-fact finding, whatever the facts are."""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.demo.catalog import PRODUCTS
from assistant.drafting.guardrails import Finding, check_draft
from tests.drafting.guardrails.fixtures import CATALOG, POLICY

NEUTRAL = (
    "and",
    "the",
    "with",
    "your",
    "we",
    "hope",
    "love",
    "thanks",
    "so",
    "it",
    "is",
    "for",
    "a",
    "just",
    "here",
    "really",
    "today",
    "again",
)
FIRST_NAMES = ("Maya", "Daniel", "Priya", "Lucas", "Zo\u00eb", "Siobhan", "Mateo", "Jo")
IMPROVEMENTS = tuple(p.improvement_note for p in PRODUCTS if p.improvement_note)

product_names = st.sampled_from(sorted(CATALOG))
prices = st.decimals(min_value=1, max_value=2000, places=2).map(lambda d: f"{d:.2f}")
days = st.dates(min_value=date(2019, 1, 1), max_value=date(2027, 12, 31))
codes = st.from_regex(r"[A-Z]{3,8}[0-9]{1,3}", fullmatch=True)
order_numbers = st.integers(min_value=1000, max_value=9_999_999).map(str)


@st.composite
def receipts(draw: st.DrawFn) -> dict[str, Any]:
    """A fact receipt in the contract's shape, with random values."""
    offer = draw(
        st.none()
        | st.builds(
            lambda code, pct: {
                "description": "free shipping on your next order",
                "code": code,
                "percent_off": pct,
            },
            codes,
            st.integers(min_value=5, max_value=50),
        )
    )
    return {
        "schema": 1,
        "playbook": draw(st.sampled_from(["recognition", "check_in", "upsell", "re_engagement"])),
        "brand": {"name": "Ember & Oak", "sender": "Sam"},
        "customer": {
            "first_name": draw(st.sampled_from(FIRST_NAMES)),
            "customer_since": draw(days).isoformat(),
            "tenure_years": draw(st.integers(min_value=1, max_value=12)),
            "spend_tier": draw(st.sampled_from(["top 5%", "top 1%", "$5K+"])),
            "first_sms": False,
        },
        "purchase": {
            "product": draw(product_names),
            "ordered_on": draw(days).isoformat(),
            "days_ago": draw(st.integers(min_value=0, max_value=30)),
            "order_number": draw(order_numbers),
        },
        "milestone": {
            "kind": "orders",
            "threshold": draw(st.integers(min_value=2, max_value=50)),
            "reached_on": draw(days).isoformat(),
        },
        "product": {
            "name": draw(product_names),
            "times_bought": draw(st.integers(min_value=2, max_value=9)),
        },
        "upgrade": {"name": draw(product_names), "price": draw(prices), "currency": "USD"},
        "return": {"product": draw(product_names), "returned_on": draw(days).isoformat()},
        "relaunch": {"improvement": draw(st.sampled_from(IMPROVEMENTS))},
        "offer": offer,
    }


def _date_forms(iso: str) -> list[str]:
    day = date.fromisoformat(iso)
    month, abbr = calendar.month_name[day.month], calendar.month_abbr[day.month]
    return [
        iso,
        f"on {month} {day.day}",
        f"{day.day} {month}",
        f"{abbr} {day.day}",
        f"on {day.month}/{day.day}",
        f"{day.month}/{day.day}/{day.year}",
        f"{month} {day.year}",
        f"since {day.year}",
    ]


def _price_forms(price: str) -> list[str]:
    whole = Decimal(price)
    short = f"{whole:.0f}" if whole == whole.to_integral_value() else price
    return [price, f"${price}", f"${short}", f"USD {short}", f"{price} USD"]


def renderings(receipt: dict[str, Any]) -> list[str]:
    """Every fact value of `receipt`, verbatim and in the other forms a writer would use."""
    forms: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, str | int) and not isinstance(value, bool):
            forms.append(str(value))

    walk(receipt)
    for section in ("customer", "purchase", "milestone", "return"):
        for value in receipt[section].values():
            if isinstance(value, str) and value[:4].isdigit() and value[4:5] == "-":
                forms.extend(_date_forms(value))
    forms.extend(_price_forms(receipt["upgrade"]["price"]))
    number = receipt["purchase"]["order_number"]
    forms += [f"#{number}", f"order {number}", f"order no. {number}"]
    forms += [
        f"{receipt['customer']['tenure_years']} years",
        f"{receipt['milestone']['threshold']} orders",
        f"{receipt['product']['times_bought']} times",
    ]
    if receipt["offer"]:
        forms += [f"code {receipt['offer']['code']}", f"{receipt['offer']['percent_off']}% off"]
    return forms


def _invented(findings: list[Finding]) -> list[tuple[str, str | None]]:
    return [(f.code, f.excerpt) for f in findings if f.code.startswith("invented_")]


@settings(max_examples=250, deadline=None)
@given(receipts(), st.data())
def test_fact_values_in_any_form_are_never_invented(receipt: dict[str, Any], data: Any) -> None:
    pieces = data.draw(st.lists(st.sampled_from(renderings(receipt)), min_size=1, max_size=12))
    words = data.draw(
        st.lists(st.sampled_from(NEUTRAL), min_size=len(pieces), max_size=len(pieces))
    )
    body = " ".join(f"{word} {piece}" for word, piece in zip(words, pieces, strict=True)) + "."

    findings = check_draft(
        channel="email", body=body, subject="Thanks", facts=receipt, policy=POLICY
    )

    assert _invented(findings) == [], body


leaf_values = st.one_of(
    prices,
    days.map(date.isoformat),
    codes,
    order_numbers,
    product_names,
    st.integers(min_value=0, max_value=3000),
    st.sampled_from(IMPROVEMENTS),
)
keys = st.sampled_from(["price", "days_ago", "value", "code", "when", "name", "x", "count", "id"])
nested = st.recursive(
    leaf_values,
    lambda children: (
        st.dictionaries(keys, children, min_size=1, max_size=4)
        | st.lists(children, min_size=1, max_size=3)
    ),
    max_leaves=12,
)


def _leaves(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [str(value)]


@settings(max_examples=250, deadline=None)
@given(nested, st.data())
def test_any_leaf_under_any_key_is_known(extra: Any, data: Any) -> None:
    receipt = {"customer": {"first_name": "Maya"}, "offer": None, "extra": extra}
    pieces = data.draw(st.lists(st.sampled_from(_leaves(extra)), min_size=1, max_size=10))
    body = "Hi Maya, " + " and ".join(pieces) + "."

    findings = check_draft(channel="sms", body=body, facts=receipt, policy=POLICY)

    assert _invented(findings) == [], body
