"""Facts, a policy and realistic good messages (all four playbooks, SMS and email).

The messages follow the playbooks: recognition without discounts, the actual recent
purchase, the better version for repeat buyers, empathy and the improvement after a return.
Every one of them must pass the guardrails with no finding at all.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from assistant.demo.catalog import PRODUCTS
from assistant.drafting.guardrails import GuardrailPolicy

CATALOG = frozenset(product.name for product in PRODUCTS)

BRAND_WORDS_TO_AVOID = (
    "we noticed",
    "we've been watching",
    "valued customer",
    "dear customer",
    "don't miss out",
    "act now",
    "hurry",
    "last chance",
    "limited time",
    "we miss you",
    "it's been a while",
    "click here",
    "cheap",
    "as per",
)

POLICY = GuardrailPolicy(
    brand_name="Ember & Oak",
    sender_name="Sam",
    sign_off="Warmly",
    words_to_avoid=BRAND_WORDS_TO_AVOID,
    emoji="never",
    catalog_names=CATALOG,
    known_texts=(
        "Ember & Oak: reply to this number and Sam or the team will help. Reply STOP to opt out.",
        "Warmly, Sam at Ember & Oak",
        "Warmly,\nSam\nEmber & Oak",
    ),
)

# The contract's fact receipt, with demo catalogue products.
BASE_FACTS: dict[str, Any] = {
    "schema": 1,
    "brand": {"name": "Ember & Oak", "sender": "Sam"},
    "customer": {
        "first_name": "Maya",
        "customer_since": "2023-04-02",
        "tenure_years": 3,
        "spend_tier": "top 5%",
        "first_sms": False,
    },
    "offer": None,
}
RECOGNITION = {
    "playbook": "recognition",
    "milestone": {
        "kind": "orders",
        "threshold": 10,
        "reached_on": "2026-11-10",
        "description": "10 orders",
    },
}
CHECK_IN = {
    "playbook": "check_in",
    "purchase": {
        "product": "Cast Iron Skillet 26cm",
        "ordered_on": "2026-11-18",
        "days_ago": 5,
        "order_number": "100234",
    },
}
UPSELL = {
    "playbook": "upsell",
    "product": {
        "name": "House Blend Whole Bean 250g",
        "times_bought": 3,
        "first_bought_on": "2026-09-01",
        "last_bought_on": "2026-11-02",
    },
    "upgrade": {
        "name": "Reserve Single-Origin Ethiopia Whole Bean 1kg",
        "price": "58.00",
        "currency": "USD",
    },
}
RE_ENGAGEMENT = {
    "playbook": "re_engagement",
    "return": {"product": "Canvas Barista Apron", "returned_on": "2026-06-01", "reason": "fit"},
    "relaunch": {
        "product": "Canvas Barista Apron",
        "relaunched_on": "2026-09-15",
        "improvement": "New sizing with a longer torso and true-to-size fit",
    },
}
OFFER = {"description": "free shipping on your next order", "code": "THANKS10", "percent_off": 10}


def facts(*parts: dict[str, Any], **customer: Any) -> dict[str, Any]:
    """BASE_FACTS merged with playbook `parts`; keyword arguments update `customer`."""
    merged = copy.deepcopy(BASE_FACTS)
    for part in parts:
        merged.update(copy.deepcopy(part))
    merged["customer"].update(customer)
    return merged


@dataclass(frozen=True)
class Message:
    """A draft with its facts."""

    id: str
    channel: str
    body: str
    facts: dict[str, Any] = field(default_factory=lambda: facts())
    subject: str | None = None


SIGN = "\n\nWarmly,\nSam\nEmber & Oak"

GOOD: tuple[Message, ...] = (
    Message(
        "recognition-sms-first",
        "sms",
        "Hi Maya, 10 orders with us! I wanted to say a proper thank you myself. Having you in "
        "our corner means a lot to a small shop like ours. Warmly, Sam at Ember & Oak\n"
        "Reply STOP to opt out",
        facts(RECOGNITION, first_sms=True),
    ),
    Message(
        "recognition-sms-tenure",
        "sms",
        "Hi Maya, 3 years since your first order with us! Thank you for making us part of your "
        "kitchen. If there's ever anything I can help with, just reply. Warmly, Sam at Ember & Oak",
        facts(RECOGNITION),
    ),
    Message(
        "recognition-sms-accented-name",
        "sms",
        "Hi Zoë, thank you for 10 orders with Ember & Oak. That's a lot of good mornings! "
        "Just reply if I can help. Sam",
        facts(RECOGNITION, first_name="Zoë"),
    ),
    Message(
        "recognition-email-milestone",
        "email",
        "Hi Maya,\n\nYou've just placed your 10th order with us, and I wanted to write and say "
        "thank you myself.\n\nYou've been with us since April 2023, and it means a great deal "
        "to a small shop like ours that you keep choosing us for your coffee and your kitchen. "
        "Every order still gets packed by hand here, and yours always make us smile.\n\n"
        "If there's ever anything I can help with, just reply to this email." + SIGN,
        facts(RECOGNITION),
        "A proper thank you, Maya",
    ),
    Message(
        "recognition-email-vip",
        "email",
        "Hi Daniel,\n\nI'm Sam, and I look after our customers here at Ember & Oak. I just "
        "wanted to say thank you. You've been with us for two years now, and having you in our "
        "corner means a lot to a small shop like ours.\n\nIf you'd ever like a hand choosing a "
        "new coffee or a tip for your kitchen, I'm only a reply away." + SIGN,
        facts(tenure_years=2, first_name="Daniel", customer_since="2024-10-12"),
        "Thank you from Ember & Oak",
    ),
    Message(
        "recognition-email-offer",
        "email",
        "Hi Maya,\n\nTen orders! Thank you for being such a big part of our little shop.\n\n"
        "As a small thank you, here's 10% off your next order with the code THANKS10, and "
        "shipping on that order is free as well.\n\nEnjoy, and just reply if I can help with "
        "anything." + SIGN,
        facts(RECOGNITION, {"offer": OFFER}),
        "Ten orders: thank you, Maya",
    ),
    Message(
        "check-in-sms-first",
        "sms",
        "Hi Maya, hope your Cast Iron Skillet 26cm arrived safely and is settling in. Any "
        "questions about seasoning it, just reply. Warmly, Sam at Ember & Oak\n"
        "Reply STOP to opt out",
        facts(CHECK_IN, first_sms=True),
    ),
    Message(
        "check-in-sms-question",
        "sms",
        "Hi Maya, quick one from Sam at Ember & Oak: how's the Cast Iron Skillet 26cm treating "
        "you so far? I'm here if you have any questions.",
        facts(CHECK_IN),
    ),
    Message(
        "check-in-sms-coffee",
        "sms",
        "Hi Lucas, hope the Ethiopia Yirgacheffe 250g arrived in good shape. If you'd like a "
        "few brewing tips for it, just reply and I'll send some over. - Sam",
        facts(
            {"purchase": {"product": "Ethiopia Yirgacheffe 250g", "ordered_on": "2026-11-18"}},
            first_name="Lucas",
        ),
    ),
    Message(
        "check-in-email-care",
        "email",
        "Hi Maya,\n\nYour Cast Iron Skillet 26cm should have arrived a few days ago, and I hope "
        "it has already earned a spot on your stove.\n\nA tip from our kitchen: a thin layer of "
        "oil after each wash keeps the seasoning happy, and cast iron only gets better with "
        "use. If anything isn't quite right, or you'd like a hand getting started, just reply "
        "and I'll help." + SIGN,
        facts(CHECK_IN),
        "How's your new skillet?",
    ),
    Message(
        "check-in-email-order-number",
        "email",
        "Hi Maya,\n\nJust checking in on order #100234 from November 18. Has your Cast Iron "
        "Skillet 26cm arrived, and is it everything you hoped for?\n\nIf the box took a knock "
        "on the way or anything else isn't right, tell me and I'll sort it out straight away. "
        "We hope you're enjoying it already." + SIGN,
        facts(CHECK_IN),
        "Did your skillet arrive safely?",
    ),
    Message(
        "upsell-sms-step-up",
        "sms",
        "Hi Maya, the House Blend Whole Bean 250g has clearly earned its place in your kitchen. "
        "If you ever fancy a step up, the Reserve Single-Origin Ethiopia Whole Bean 1kg is the "
        "one I'd point you to. Happy to tell you more.",
        facts(UPSELL),
    ),
    Message(
        "upsell-sms-price",
        "sms",
        "Hi Maya, three bags of House Blend tells me you've found your coffee! When you want "
        "something new, try our Reserve Single-Origin Ethiopia Whole Bean 1kg ($58). No rush at "
        "all. Warmly, Sam",
        facts(UPSELL),
    ),
    Message(
        "upsell-sms-first",
        "sms",
        "Hi Maya, glad the House Blend keeps making the cut. When you're ready for something "
        "new, have a look at the Reserve Single-Origin Ethiopia Whole Bean 1kg. - Sam, Ember & "
        "Oak\nReply STOP to opt out",
        facts(UPSELL, first_sms=True),
    ),
    Message(
        "upsell-email-price",
        "email",
        "Hi Maya,\n\nYou've picked up the House Blend Whole Bean 250g three times now, so I'd "
        "say it's a keeper. Thank you for that.\n\nIf you ever want to try something a little "
        "special, our Reserve Single-Origin Ethiopia Whole Bean 1kg is the one I'd point you "
        "to. It's bright and floral, and at 58.00 USD for a full kilo it lasts a good while.\n\n"
        "No rush at all; just reply if you'd like to know more." + SIGN,
        facts(UPSELL),
        "A step up from your House Blend",
    ),
    Message(
        "re-engagement-sms",
        "sms",
        "Hi Maya, you sent the Canvas Barista Apron back in June and that feedback stuck with "
        "us. We've since reworked it: new sizing with a longer torso and a true-to-size fit. "
        "If you'd like another look, I'd love to hear what you think. Warmly, Sam",
        facts(RE_ENGAGEMENT),
    ),
    Message(
        "re-engagement-sms-first",
        "sms",
        "Hi Maya, thank you for your honest feedback on the Canvas Barista Apron. It now has "
        "new sizing with a longer torso, thanks to notes like yours. No pressure, just wanted "
        "you to know. - Sam at Ember & Oak\nReply STOP to opt out",
        facts(RE_ENGAGEMENT, first_sms=True),
    ),
    Message(
        "re-engagement-email",
        "email",
        "Hi Maya,\n\nThank you for being honest about the Canvas Barista Apron when you "
        "returned it. Notes like yours are exactly why we went back to the drawing board.\n\n"
        "Since September 15 it comes with new sizing: a longer torso and a true-to-size fit. "
        "I'd love for you to have an early look at the new version, if you're curious.\n\n"
        "No pressure at all; just reply if you'd like me to set one aside in your size." + SIGN,
        facts(RE_ENGAGEMENT),
        "We reworked the Canvas Barista Apron",
    ),
    Message(
        "re-engagement-email-kettle",
        "email",
        "Hi Maya,\n\nWhen you sent back the Electric Gooseneck Kettle, you told us the lid "
        "hinge let you down. You were right, and we listened.\n\nThe new version has a "
        "redesigned lid hinge and now holds temperature within 1 degree. If you'd like to give "
        "it another try, reply here and I'll make sure you're first to know when it ships." + SIGN,
        facts(
            {
                "return": {
                    "product": "Electric Gooseneck Kettle",
                    "returned_on": "2026-05-20",
                    "reason": "quality",
                },
                "relaunch": {
                    "product": "Electric Gooseneck Kettle",
                    "relaunched_on": "2026-08-01",
                    "improvement": "Redesigned lid hinge; holds temperature within 1 degree",
                },
            }
        ),
        "The kettle you returned, reworked",
    ),
    Message(
        "reply-sms",
        "sms",
        "Thanks for letting me know, Maya. I'm sorry about that, and I'm looking into it now. "
        "I'll come back to you shortly. Sam",
        facts(CHECK_IN),
    ),
    Message(
        "reply-sms-question",
        "sms",
        "Good question, Maya! Your skillet ships pre-seasoned, so a quick rinse and dry is all "
        "it needs before the first use. - Sam",
        facts(CHECK_IN),
    ),
)
