"""Reading the fact receipt for the offline drafter: values, product names, upgrade reasons.

Everything here returns text taken from the facts (or words of it), never anything new.
"""

from __future__ import annotations

import datetime
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assistant.drafting.product_names import short_product_name, size_detail

_FORMATTER = string.Formatter()
# Spelled out rather than calendar.month_name, which follows the process locale.
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_LINKS = frozenset({"with", "and", "of", "in", "for", "the", "a", "an", "&", "+"})
_GRAMS = {"mg": 0.001, "g": 1.0, "kg": 1000.0, "ml": 1.0, "cl": 10.0, "dl": 100.0, "l": 1000.0}


def fact(facts: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted `path`, or None."""
    value: Any = facts
    for key in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def text(facts: Mapping[str, Any], path: str) -> str | None:
    """The value at `path` as one line of text; None when absent, blank or not a scalar."""
    value = fact(facts, path)
    if value is None or isinstance(value, bool | Mapping | list):
        return None
    line = " ".join(str(value).split())
    return line or None


def count(facts: Mapping[str, Any], path: str) -> int | None:
    """The value at `path` as a positive whole number, else None."""
    value = fact(facts, path)
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if number > 0 else None


def relative(days: int) -> str:
    """How long ago, in words a person uses."""
    if days <= 0:
        return "earlier today"
    if days == 1:
        return "yesterday"
    if days < 7:
        return "a few days ago"
    if days < 14:
        return "last week"
    if days <= 45:
        return "a few weeks ago"
    return "a while back"


def calendar(value: str) -> str | None:
    """An ISO day as "on November 18"."""
    try:
        day = datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None
    return f"on {_MONTHS[day.month - 1]} {day.day}"


def sentence_fragment(value: str) -> str:
    """A fact written as a clause: first letter lower-cased, no final stop, ';' as ','."""
    value = value.strip().rstrip(".").replace("; ", ", ")
    if len(value) > 1 and value[0].isupper() and not value[1].isupper():
        value = value[0].lower() + value[1:]
    return value


def slot_names(template: str) -> list[str]:
    """The {slots} a phrase template names."""
    return [field for _, field, _, _ in _FORMATTER.parse(template) if field]


@dataclass
class Slots:
    """Slot values for the phrase templates and the fact path each one came from."""

    values: dict[str, str]
    paths: dict[str, str]

    def put(self, slot: str, value: str | None, path: str | None) -> None:
        if value:
            self.values[slot] = value
            if path:
                self.paths[slot] = path

    def allows(self, template: str) -> bool:
        return all(slot in self.values for slot in slot_names(template))

    def fill(self, template: str) -> str:
        return template.format(**self.values)


def product_name(facts: Mapping[str, Any], section: str, key: str) -> tuple[str | None, str]:
    """How to name the product at `section.key`: its short name, else the name shortened
    (sizes and pack counts dropped), with the fact path it comes from."""
    short = text(facts, f"{section}.short_name")
    if short:
        return short, f"{section}.short_name"
    full = text(facts, f"{section}.{key}")
    return (short_product_name(full) if full else None), f"{section}.{key}"


def _words(name: str) -> list[str]:
    return [w for w in short_product_name(name).split() if w]


def _amount(size: str) -> float | None:
    found = re.fullmatch(r"(\d+(?:[.,]\d+)?)\s?([a-z]+)", size.lower())
    if not found or found.group(2) not in _GRAMS:
        return None
    return float(found.group(1).replace(",", ".")) * _GRAMS[found.group(2)]


@dataclass(frozen=True)
class UpgradeReason:
    """Why the upgrade is better: which phrase family says it, and its slot values."""

    kind: str  # why_note | why_size | why_words | why_category
    values: dict[str, str]
    path: str


def upgrade_reason(facts: Mapping[str, Any]) -> UpgradeReason | None:
    """Why the upgrade beats the favourite, from the facts only; None when they cannot say."""
    note = text(facts, "upgrade.improvement")
    if note:
        return UpgradeReason("why_note", {"why": sentence_fragment(note)}, "upgrade.improvement")
    fav, upgrade = text(facts, "product.name"), text(facts, "upgrade.name")
    if not fav or not upgrade:
        return None
    fav_words, upgrade_words = _words(fav), _words(upgrade)
    fav_category, category = text(facts, "product.category"), text(facts, "upgrade.category")
    size, fav_size = size_detail(upgrade), size_detail(fav)
    if [w.lower() for w in fav_words] == [w.lower() for w in upgrade_words]:
        bigger = size and fav_size and (_amount(size) or 0) > (_amount(fav_size) or 0)
        if size and bigger:
            return UpgradeReason("why_size", {"size": size}, "upgrade.name")
        return None
    known = {w.lower() for w in fav_words}
    added = [w for w in upgrade_words if w.lower() not in known]
    while added and added[0].lower() in _LINKS:  # "with Timer" -> "Timer"
        added.pop(0)
    shares = len(added) < len(upgrade_words)
    if added and shares and (category or "").lower() == (fav_category or "").lower():
        return UpgradeReason("why_words", {"why": " ".join(added)}, "upgrade.name")
    if category and category.lower() != (fav_category or "").lower():
        return UpgradeReason("why_category", {"why": category.lower()}, "upgrade.category")
    return None
