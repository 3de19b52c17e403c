"""Product names as a person says them, and the phrase family of a product category.

"House Blend Whole Bean 250g" is "House Blend Whole Bean" in a message: sizes, weights,
volumes and pack counts are catalogue detail. A `short_name` from products.csv wins; this is
the fallback. The result is always words of the full name, in order, so it stays a known fact.
"""

from __future__ import annotations

import re
from typing import Final, Literal

Family = Literal["food", "consumable", "apparel", "gear", "beauty", "general"]

_UNIT: Final = r"(?:mg|kg|g|oz|lbs?|ml|cl|dl|l|fl\.?\s?oz|mm|cm|m|in|inch|inches|ft|qt|gal)"
_DETAIL: Final = re.compile(
    r"\(\s*\d+[^)]*\)"  # "(100)", "(pack of 6)"
    rf"|\b\d+\s?x\s?\d+(?:[.,]\d+)?\s?{_UNIT}?\b"  # "4x100g"
    rf"|\b\d+(?:[.,]\d+)?\s?{_UNIT}\b"  # "250g", "1.5L", "26cm", "20 oz"
    r"|\b\d+[\s-]?(?:pack|pk|count|ct|pcs|pieces)\b"  # "6-pack", "10-Pack", "12 ct"
    r"|\b(?:pack|set|box|case)\s+of\s+\d+\b"  # "Set of 4"
    r"|\bno\.\s?\d+\b"  # "No. 4"
    r"|\bsize\s+\w+\b"  # "Size M"
    r"|\s-\s(?:xxs|xs|s|m|l|xl|xxl|xxxl)$",  # "Hoodie - XL"
    re.IGNORECASE,
)
# Left dangling once the detail is gone: "Brew Scale with" -> "Brew Scale".
_DANGLING: Final = re.compile(r"(?:[\s,;:/&+-]|\b(?:with|of|in|and|x)\b)+$", re.IGNORECASE)

# Category words -> phrase family: the first family with a word that starts or ends like one
# of its keys ("Outerwear", "Teas"; not "Steamers").
_FAMILIES: Final[tuple[tuple[Family, tuple[str, ...]], ...]] = (
    (
        "beauty",
        ("beauty", "skin", "cosmetic", "makeup", "fragrance", "perfume", "hair", "personal care"),
    ),
    (
        "food",
        (
            "food",
            "drink",
            "beverage",
            "coffee",
            "tea",
            "grocery",
            "pantry",
            "snack",
            "sweet",
            "supplement",
            "wine",
            "beer",
            "spirit",
        ),
    ),
    ("consumable", ("consumable", "supplies", "refill", "cleaning")),
    (
        "apparel",
        ("apparel", "cloth", "fashion", "wear", "shoe", "footwear", "knit", "garment"),
    ),
    (
        "gear",
        (
            "equipment",
            "electronic",
            "gear",
            "home",
            "kitchen",
            "appliance",
            "tool",
            "furniture",
            "outdoor",
            "sport",
            "hardware",
            "device",
        ),
    ),
)


def short_product_name(name: str) -> str:
    """`name` without sizes, weights, volumes and pack counts (`name` if nothing is left)."""
    text = " ".join(name.split())
    short = _DETAIL.sub(" ", text)
    short = _DANGLING.sub("", " ".join(short.split())).strip()
    return short if len(short) >= 2 else text


def size_detail(name: str) -> str | None:
    """The first size, weight or volume in `name` ("1kg", "1.5L"), if it has one."""
    found = re.search(rf"\b\d+(?:[.,]\d+)?\s?{_UNIT}\b", name, re.IGNORECASE)
    return found.group(0) if found else None


def category_family(category: str | None) -> Family:
    """The phrase family for a product `category`: what a person asks about after a purchase."""
    words = (category or "").lower()
    for family, keys in _FAMILIES:
        if any(re.search(rf"\b{re.escape(key)}|{re.escape(key)}\b", words) for key in keys):
            return family
    return "general"
