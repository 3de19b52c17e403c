"""What the facts make known: every leaf value of the fact receipt, normalised.

A draft may restate a fact in any usual form, so each leaf is read with the same extractors
that read the draft: the price "34.00" makes "$34", "34.00" and "USD 34" known; the date
"2026-11-18" makes "18 November", "Nov 18", "11/18" and "2026-11-18" known; the product
"Cast Iron Skillet 10in" makes that phrase (in any case) known.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Final

from assistant.drafting.guardrails import extract
from assistant.drafting.guardrails.extract import PartialDate
from assistant.drafting.guardrails.text import (
    Span,
    find_all,
    fold,
    occurrence_key,
    token_key,
)

# Numeric leaves under these keys are counts, days or identifiers, not money: tenure 3 must
# not make "$3" known. Numbers written inside strings ("$5K+", "34.00") still count.
_NOT_MONEY_KEY: Final = re.compile(
    r"(?:^|_)(?:ago|days?|weeks?|months?|years?|times|count|number|num|no|schema|percent|pct|"
    r"quantity|qty|orders?|id|rank|tier|segments?|variant|version|threshold)(?:$|_)"
)
_PERCENT_KEY: Final = re.compile(r"(?:^|_)(?:percent|pct|discount|off|rate)(?:$|_)")
# Distinct fact values whose reading is kept (a few KB each at most).
READ_CACHE_SIZE: Final = 4096


@dataclass(frozen=True)
class Leaf:
    """One leaf value of the facts and the key it sits under (the list's key for items)."""

    key: str
    value: str | int | float | Decimal
    parent: Mapping[str, Any]


def leaves(facts: Any, key: str = "", parent: Mapping[str, Any] | None = None) -> Iterator[Leaf]:
    """Every non-null, non-boolean leaf of `facts`, depth first; dates as ISO strings."""
    if isinstance(facts, Mapping):
        for child_key, value in facts.items():
            yield from leaves(value, str(child_key).lower(), facts)
    elif isinstance(facts, list | tuple):
        for item in facts:
            yield from leaves(item, key, parent)
    elif isinstance(facts, str | int | float | Decimal) and not isinstance(facts, bool):
        yield Leaf(key, facts, parent or {})
    elif isinstance(facts, date):  # a receipt not yet through JSON (datetime is a date too)
        yield Leaf(key, facts.isoformat(), parent or {})


def _number(value: str | int | float | Decimal) -> Decimal | None:
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _is_money_leaf(leaf: Leaf) -> bool:
    if leaf.key == "threshold":
        # A milestone of "spend" kind has a money threshold; of "orders" kind a count.
        return "spend" in str(leaf.parent.get("kind", "")).lower()
    return not _NOT_MONEY_KEY.search(leaf.key)


@dataclass(frozen=True)
class _Reading:
    """What one fact value says, whatever key it sits under (cached: values repeat a lot)."""

    text: str
    codes: frozenset[str]
    numbers: frozenset[Decimal]
    order_numbers: frozenset[str]
    money: frozenset[Decimal]
    percents: frozenset[Decimal]
    dates: frozenset[PartialDate]
    links: frozenset[str]
    token_key: str
    needle: str
    number: Decimal | None


@lru_cache(maxsize=READ_CACHE_SIZE)
def _read(raw: str) -> _Reading | None:
    """`raw` (a leaf value as text) through every extractor; None when it is blank.

    Product names, dates, brand texts and tiers recur from one customer's facts to the next,
    so the extraction is cached per value; the key-dependent part stays in `from_facts`.
    """
    text = fold(raw).strip()
    if not text:
        return None
    codes = {extract.code_key(text), *extract.code_tokens(text)}
    return _Reading(
        text=text,
        codes=frozenset(codes),
        numbers=frozenset(extract.numbers(text)),
        order_numbers=frozenset(d.lstrip("0") or "0" for d in re.findall(r"\d{3,}", text)),
        money=frozenset(value for _, value in extract.money(text)),
        percents=frozenset(value for _, value in extract.percents(text)),
        dates=frozenset(r for _, readings in extract.dates(text) for r in readings),
        links=frozenset(key for _, key in extract.links(text)),
        token_key=f" {token_key(text)} ",
        needle=occurrence_key(text),
        number=_number(raw),
    )


@dataclass(frozen=True)
class KnownFacts:
    """The normalised values a draft may mention. Build with `KnownFacts.from_facts`."""

    texts: tuple[str, ...]
    money: frozenset[Decimal]
    percents: frozenset[Decimal]
    numbers: frozenset[Decimal]
    dates: frozenset[PartialDate]
    years: frozenset[int]
    order_numbers: frozenset[str]
    codes: frozenset[str]
    links: frozenset[str]
    token_keys: tuple[str, ...]
    # The texts as `occurrences` looks for them (folded, lower case, 3 characters or more).
    needles: tuple[str, ...] = ()

    @classmethod
    def from_facts(cls, facts: Mapping[str, Any], extra_texts: Iterable[str] = ()) -> KnownFacts:
        """What `facts` (and brand `extra_texts` such as the help text) make known."""
        money: set[Decimal] = set()
        percents: set[Decimal] = set()
        numbers: set[Decimal] = set()
        dates: set[PartialDate] = set()
        order_numbers: set[str] = set()
        codes: set[str] = set()
        links: set[str] = set()
        read: list[_Reading] = []
        # The customer's own words (a reply's `conversation`) are data, never known facts:
        # a code or percentage the customer typed must not become one a draft may repeat.
        own = {k: v for k, v in facts.items() if str(k).lower() != "conversation"}
        items = [*leaves(own), *(Leaf("", text, {}) for text in extra_texts)]
        for leaf in items:
            reading = _read(str(leaf.value))
            if reading is None:
                continue
            read.append(reading)
            codes |= reading.codes
            numbers |= reading.numbers
            order_numbers |= reading.order_numbers
            money |= reading.money
            percents |= reading.percents
            dates |= reading.dates
            links |= reading.links
            value = reading.number
            if value is not None:
                if leaf.key.endswith("cents"):
                    money.add(value / 100)
                elif _is_money_leaf(leaf):
                    money.add(value)
                if _PERCENT_KEY.search(leaf.key):
                    percents.add(value)
        years = {year for year, _, _ in dates if year is not None}
        years |= {int(n) for n in numbers if n == int(n) and 1900 <= n <= 2100}
        # "3 years with us" from customer_since 2023 and a purchase in 2026.
        numbers |= {Decimal(b - a) for a in years for b in years if b > a}
        return cls(
            texts=tuple(r.text for r in read),
            money=frozenset(money),
            percents=frozenset(percents),
            numbers=frozenset(numbers),
            dates=frozenset(dates),
            years=frozenset(years),
            order_numbers=frozenset(order_numbers),
            codes=frozenset(codes),
            links=frozenset(links),
            token_keys=tuple(r.token_key for r in read),
            needles=tuple(r.needle for r in read if r.needle),
        )

    def knows_date(self, reading: PartialDate) -> bool:
        """Whether a (partial) date in the draft agrees with some fact date."""
        year, month, day = reading
        if month is None:
            return year in self.years or (year is not None and Decimal(year) in self.numbers)
        return any(
            month == k_month
            and (day is None or k_day is None or day == k_day)
            and (year is None or k_year is None or year == k_year)
            for k_year, k_month, k_day in self.dates
        )

    def knows_link(self, key: str) -> bool:
        """Whether a link (as `extract.link_key`) is in, or a prefix of one in, the facts."""
        return any(known == key or known.startswith(key + "/") for known in self.links) or any(
            key in text.lower() for text in self.texts
        )

    def knows_phrase(self, phrase: str) -> bool:
        """Whether `phrase`, compared word by word ignoring case, is within some fact value."""
        key = f" {token_key(phrase)} "
        return key.strip() != "" and any(key in known for known in self.token_keys)

    def spans_in(self, folded_lower: str) -> list[Span]:
        """Where fact values occur verbatim (ignoring case) in folded, case-folded text."""
        return [span for needle in self.needles for span in find_all(folded_lower, needle)]
