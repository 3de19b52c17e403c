"""Offline suggested replies: an answer in kind to what the customer's latest message is.

The kind comes from the facts (`inbound.kind`, see `assistant.conversations.classify`), or
from classifying the conversation's latest customer message when older facts lack it. A
complaint gets an apology and what happens next (a person looks into it and puts it right),
a return request a person who will help with the return, an order-status question the
order's real facts and a person who will check, a question its answer when the facts hold
it (order date, product, number) or a person who will check, thanks a warm thank-you, and
anything else a person who will look into it. Never a refund, replacement, policy, price or
date the facts do not give. Wording is picked with a stable hash, SMS stays GSM-7 within two
segments and is signed by the brand's sender.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from assistant.conversations.classify import (
    ORDER_DATE,
    ORDER_NUMBER,
    ORDER_PRODUCT,
    MessageKind,
    classify,
    latest_customer_text,
)
from assistant.drafting.brand import Brand
from assistant.drafting.sms_segments import analyse, gsm_fold
from assistant.ports import DrafterRefused, DraftOutput, DraftRequest
from connectors.llm.offline_facts import Slots
from connectors.llm.offline_facts import calendar as _calendar
from connectors.llm.offline_facts import fact as _fact
from connectors.llm.offline_facts import relative as _relative
from connectors.llm.offline_facts import slot_names as _slot_names
from connectors.llm.offline_facts import text as _text

MAX_SMS_SEGMENTS = 2
_SHORTER: Final = ("short", "brief", "concise", "trim", "tighter")
_FORMAL: Final = ("formal", "professional", "polite")

GREETINGS: Final = ("Hi {name},", "Hello {name},", "Hi {name},")
FORMAL_GREETINGS: Final = ("Hello {name},",)
EMAIL_CLOSINGS: Final = (
    "If there's anything else I can help with in the meantime, just reply to this email.",
    "And if anything else comes up, just reply here and it comes straight to me.",
    "I'm happy to help with anything else too - just reply.",
)
SUBJECTS: Final = ("Re: your message", "About your message, {name}")

# One tuple of options per sentence; `?` marks a sentence that may be dropped to save room.
COMPLAINT: Final = (
    (
        "I'm so sorry about this - that's not how it should be.",
        "I'm really sorry to hear that, and thank you for telling me.",
        "Oh no, I'm so sorry about that.",
        "I'm sorry - that's not what we want you to get from us.",
    ),
    (
        "A person on our team will look into it and get back to you to make it right.",
        "I'm passing this to the team now, and someone will be in touch shortly to put it right.",
        "Someone from the {brand} team will look into what happened and come back to you "
        "soon to make it right.",
        "We'll look into it straight away, and a person will get back to you to put it right.",
    ),
)
RETURN_REQUEST: Final = (
    (
        "?Of course, happy to help with that.",
        "?No problem at all.",
        "?Sorry it didn't work out.",
    ),
    (
        "A person from our team will be in touch shortly to help you with the return.",
        "Someone from the {brand} team will get back to you soon to sort out the return with you.",
        "I'll pass this to the team, and a person will help you with the return from here.",
    ),
)
ORDER_STATUS: Final = (
    (
        "Let me check on your order - a person from our team will get back to you shortly "
        "with an update.",
        "I'll look into where your order is, and someone will come back to you soon.",
    ),
)
# Preferred when the facts name their order: the reply refers to it.
ORDER_STATUS_FACTS: Final = (
    (
        "I'll check on the {product} order you placed {when}, and a person will get back to "
        "you shortly with an update.",
        "Let me look into where your order #{number} is - someone from the team will come "
        "back to you soon with an update.",
        "I'll find out where your {product} is, and a person will come back to you shortly "
        "with an update.",
    ),
)
QUESTION: Final = (
    ("?Good question!", "?Thanks for asking."),
    (
        "A person on our team will check and get back to you shortly.",
        "Let me check with the team - someone will get back to you soon.",
        "I'll find out, and a person will come back to you shortly.",
    ),
)
ANSWERS: Final = {
    ORDER_DATE: ("You ordered the {product} {on}.", "Your {product} order was placed {on}."),
    ORDER_PRODUCT: ("Your last order was the {product}.", "You last ordered the {product}."),
    ORDER_NUMBER: ("Your order number is #{number}.", "That was order #{number}."),
}
ANSWERED_CLOSING: Final = (
    "?Anything else, just reply.",
    "?Happy to help with anything else.",
)
THANKS: Final = (
    (
        "Thank you so much - that's so kind of you to say!",
        "That really made my day, thank you!",
        "Thank you, that means a lot to all of us here.",
        "Thanks so much for the lovely message!",
    ),
    (
        "?I hope you enjoy the {product}.",
        "?If you ever need anything, just reply.",
        "?It's always a joy to hear from you.",
    ),
)
OTHER: Final = (
    (
        "Thanks for your message. A person from our team will look into it and get back to "
        "you shortly.",
        "Got it - someone from the team will take a look and come back to you soon.",
        "Thanks for getting in touch! I'll have a person look into this and reply shortly.",
    ),
)
BANKS: Final = {
    MessageKind.COMPLAINT: COMPLAINT,
    MessageKind.RETURN_REQUEST: RETURN_REQUEST,
    MessageKind.ORDER_STATUS: ORDER_STATUS,
    MessageKind.QUESTION: QUESTION,
    MessageKind.THANKS: THANKS,
    MessageKind.OTHER: OTHER,
}
_KINDS: Final = frozenset(kind.value for kind in MessageKind)
# After "Hi Maya," these stay capitalised; any other first word is lower-cased.
_CAPITALISED: Final = ("I", "I'm", "I'd", "I've", "I'll")


def inbound_of(facts: Mapping[str, Any]) -> tuple[MessageKind, tuple[str, ...]]:
    """The kind of the customer's latest message and the order facts it asks for."""
    kind = _text(facts, "inbound.kind")
    asks = _fact(facts, "inbound.asks")
    if kind is not None and kind in _KINDS:
        return MessageKind(kind), tuple(str(a) for a in asks) if isinstance(asks, list) else ()
    found = classify(latest_customer_text(facts.get("conversation") or []))
    return found.kind, found.asks


class _Slots(Slots):
    """Slots whose templates may start with "?" (a question), dropped when filled."""

    def fill(self, template: str) -> str:
        return super().fill(template.lstrip("?"))


def _slots(brand: Brand, facts: Mapping[str, Any], *, sms: bool) -> _Slots:
    fold = gsm_fold if sms else (lambda text: text)
    slots = _Slots({}, {})
    slots.put("name", fold(_text(facts, "customer.first_name") or ""), "customer.first_name")
    slots.put("brand", brand.name, None)
    slots.put("product", fold(_text(facts, "purchase.product") or ""), "purchase.product")
    number = (_text(facts, "purchase.order_number") or "").lstrip("#")
    slots.put("number", fold(number), "purchase.order_number")
    on = _text(facts, "purchase.ordered_on")
    slots.put("on", _calendar(on) if on else None, "purchase.ordered_on")
    days = _fact(facts, "purchase.days_ago")
    if isinstance(days, int) and not isinstance(days, bool) and days >= 0:
        slots.put("when", _relative(days), "purchase.days_ago")
    else:
        slots.put("when", slots.values.get("on"), "purchase.ordered_on")
    return slots


def _sections(kind: MessageKind, asks: Sequence[str], slots: _Slots) -> tuple[tuple[str, ...], ...]:
    """The sentences' options for `kind`; a question the facts answer gets its answer."""
    if kind is MessageKind.ORDER_STATUS and any(slots.allows(t) for t in ORDER_STATUS_FACTS[0]):
        return ORDER_STATUS_FACTS
    if kind is MessageKind.QUESTION and asks:
        answers = [ANSWERS[a] for a in asks if a in ANSWERS]
        if answers and all(any(slots.allows(t) for t in options) for options in answers):
            return (*answers, ANSWERED_CLOSING)
    return BANKS[kind]


def _pick(seed: str, options: Sequence[str], salt: str) -> str:
    digest = hashlib.sha256(f"{seed}\x1f{salt}".encode()).digest()
    return options[int.from_bytes(digest[:8], "big") % len(options)]


def _join(greeting: str, sentences: Sequence[str]) -> str:
    """'Hi Maya,' and the sentences on one line, the first word lower-cased after the comma."""
    if not sentences:
        return greeting
    first, *rest = sentences
    if first.split(" ", 1)[0] not in _CAPITALISED:
        first = first[0].lower() + first[1:]
    return " ".join([greeting, first, *rest])


class ReplyComposer:
    """Writes the offline suggested reply for one request."""

    def __init__(self, brand: Brand, request: DraftRequest) -> None:
        self.brand = brand
        self.request = request
        self.sms = request.channel == "sms"
        wish = (request.instruction or "").lower()
        self.compact = bool(request.feedback) or any(w in wish for w in _SHORTER)
        self.formal = any(w in wish for w in _FORMAL)
        understood = self.compact or self.formal
        canonical = json.dumps(request.facts, sort_keys=True, default=str)
        self.seed = "\x1f".join(
            [str(request.variant), "" if understood else wish, *request.feedback, canonical]
        )

    def compose(self) -> DraftOutput:
        """The reply: body (and subject by email) and the fact paths it used."""
        facts = self.request.facts
        if not _text(facts, "customer.first_name"):
            raise DrafterRefused("the facts have no customer.first_name to address")
        kind, asks = inbound_of(facts)
        slots = _slots(self.brand, facts, sms=self.sms)
        chosen = [
            _pick(self.seed, eligible, f"reply.{kind}.{index}")
            for index, options in enumerate(_sections(kind, asks, slots))
            if (eligible := [t for t in options if slots.allows(t)])
        ]
        greetings = FORMAL_GREETINGS if self.formal else GREETINGS
        greeting = _pick(self.seed, greetings, "greeting")
        subject = None
        if self.sms:
            body, used = self._sms(greeting, chosen, slots)
        else:
            body, used = self._email(greeting, chosen, slots)
            template = _pick(self.seed, SUBJECTS, "subject")
            subject, used = slots.fill(template), [*used, *_slot_names(template)]
        paths = ["customer.first_name", *(slots.paths[s] for s in used if s in slots.paths)]
        if isinstance(facts.get("inbound"), Mapping):
            paths.append("inbound.kind")
        if facts.get("conversation"):
            paths.append("conversation")
        return DraftOutput(
            body=body, subject=subject, facts_used=tuple(dict.fromkeys(paths)), model="offline"
        )

    def _variants(self, greeting: str, chosen: list[str]) -> list[tuple[str, list[str]]]:
        """The full reply, then without optional sentences, then the plainest greeting."""
        required = [t for t in chosen if not t.startswith("?")]
        variants = [] if self.compact else [(greeting, chosen)]
        return [*variants, (greeting, required), ("Hi {name},", required)]

    def _sms(self, greeting: str, chosen: list[str], slots: _Slots) -> tuple[str, list[str]]:
        brand = self.brand
        notice = brand.sms_opt_out_notice if _fact(self.request.facts, "customer.first_sms") else ""
        target = min(MAX_SMS_SEGMENTS, brand.sms_warn_segments)
        best: tuple[str, list[str]] | None = None
        for opening, templates in self._variants(greeting, chosen):
            text = _join(slots.fill(opening), [slots.fill(t) for t in templates])
            lines = [text, f"- {brand.sender_name}", notice]
            body = gsm_fold("\n".join(line for line in lines if line))
            used = [name for t in (opening, *templates) for name in _slot_names(t)]
            if best is None or len(body) < len(best[0]):
                best = (body, used)
            info = analyse(body)
            if info.encoding == "GSM-7" and info.segments <= target:
                return body, used
        assert best is not None
        return best

    def _email(self, greeting: str, chosen: list[str], slots: _Slots) -> tuple[str, list[str]]:
        opening, templates = self._variants(greeting, chosen)[0]
        closing = _pick(self.seed, EMAIL_CLOSINGS, "closing")
        paragraphs = [
            slots.fill(opening),
            " ".join(slots.fill(t) for t in templates),
            closing,
            self.brand.signature("email"),
        ]
        used = [name for t in (opening, *templates) for name in _slot_names(t)]
        return "\n\n".join(paragraphs), used


def compose_reply(brand: Brand, request: DraftRequest) -> DraftOutput:
    """The offline suggested reply to the conversation in `request.facts`."""
    return ReplyComposer(brand, request).compose()
