"""Phrases for a check-in's follow-up (a trigger sequence's care-tip step), offline.

The follow-up does not ask again how the purchase is going: it shares one general care or
use tip fitting the product's kind (never a claim about the product itself) and leaves
the door open. GSM-7 only, no numbers, no promises.
"""

from __future__ import annotations

from typing import Final

from connectors.llm.offline_compose import Section

Bank = dict[str, tuple[str, ...]]

CARE_TIP: Final[Bank] = {
    "core": (
        "A quick tip for your {product}.",
        "One small thing that helps with the {product}.",
        "A little tip to get the most from your {product}.",
        "Something that keeps the {product} at its best.",
    ),
    "help": (
        "Any questions, just reply here.",
        "If anything comes up, just reply.",
        "Happy to help with anything else, just reply.",
    ),
    "closing": (
        "Enjoy!",
        "Have a lovely week.",
        "Thanks again for choosing us.",
    ),
    "subject": (
        "A quick tip for your {product}",
        "Getting the most from your {product}",
        "A little care tip, {name}",
    ),
    "email_more": (
        "It's the kind of small habit that makes a real difference over time.",
        "Little things like this keep it feeling new for longer.",
    ),
}
TIPS: Final[dict[str, tuple[str, ...]]] = {
    "food": (
        "Keep it sealed in a cool, dry spot and it stays at its best for longer.",
        "An airtight container away from heat and light keeps it tasting fresh.",
    ),
    "consumable": (
        "Store it somewhere cool and dry, away from direct sun, and it keeps at its best.",
        "Closing it well after each use keeps it fresh for longer.",
    ),
    "apparel": (
        "A gentle wash inside out and air-drying help it keep its shape and colour.",
        "Washing it cool and skipping the dryer keeps it looking new for longer.",
    ),
    "gear": (
        "A quick wipe-down after use and a regular clean keep it working like new.",
        "Keeping it clean and dry between uses is the easiest way to make it last.",
    ),
    "beauty": (
        "Keeping it away from steam and direct sun helps it stay fresh for longer.",
        "Clean, dry hands and a closed lid keep it at its best.",
    ),
    "general": (
        "A little regular care goes a long way in keeping it like new.",
        "Keeping it clean and stored somewhere dry helps it last.",
    ),
}


def care_tip_sections(family: str, closing: tuple[str, ...]) -> list[Section]:
    """The follow-up's sentences: the lead, the tip for the product's family, help, closing."""
    return [
        Section("core", CARE_TIP["core"], required=True),
        Section("tip", TIPS.get(family, TIPS["general"]), required=True),
        Section("more", CARE_TIP["email_more"], email_only=True, paragraph=1),
        Section("help", CARE_TIP["help"], paragraph=1),
        Section("closing", closing or CARE_TIP["closing"], paragraph=2),
    ]
