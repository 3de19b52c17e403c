"""Leaks: another person's phone, email or full name, and talk about prompts or instructions.

A model that obeys an instruction injected into customer text (an inbound SMS, a first name,
a product note) can write another customer's contact details or its own instructions into a
draft. Only the customer's own contact (`customer.phone`, `customer.email`, `customer.
last_name` in the facts) and the brand's published contact (`contact_phone`, `contact_email`
in brand.yaml, and any address or number in the brand's own texts) may appear. Other fact
values never make a phone, address or name allowed: customer-controlled fields are where an
injection comes from. Findings name what was found but never repeat a number or an address
(excerpts are masked), so stored findings and logs carry no personal data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any, Final

import phonenumbers

from assistant.drafting.guardrails.checks.base import Draft, Part
from assistant.drafting.guardrails.findings import Finding, finding
from assistant.drafting.guardrails.given_names import GIVEN_NAMES
from assistant.drafting.guardrails.text import Span, excerpt, words
from assistant.observability.redact import redact_text

_EMAIL: Final = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
# A number that is an order, SKU, item, reference or tracking number, not a phone.
_NOT_A_PHONE_BEFORE: Final = re.compile(
    r"(?i)(?:#|\b(?:orders?|order\s+(?:no\.?|number)|no\.|sku|item|ref(?:erence)?|tracking|"
    r"invoice|code|model|part|serial|batch|lot|isbn|upc|zip|postcode|id)\s*[:#]?\s*#?)\s*$"
)
# A short local number ("555-0177") is a phone only when written like one.
_LOCAL_PHONE: Final = re.compile(r"^\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}$|^\d{3}[ .-]\d{4}$")
_PAIR: Final = re.compile(
    r"(?<![\w'-])(?P<first>[A-Z][a-z]{1,20})[ \t]+(?P<last>(?:Mc|Mac|O'|D')?[A-Z][a-z]{1,25}"
    r"(?:-[A-Z][a-z]{1,25})?)(?![\w-]|'(?!s\b)|[ \t]+[A-Z])"
)
# Capitalised words that follow a given name without being a surname.
_NOT_SURNAMES: Final = frozenset(
    words(
        """
    here there at from and or the team store shop kitchen home house avenue street st road rd
    lane drive way blvd boulevard square park place falls bay hill city county edition set
    collection blend roast mug jar cup pan pot skillet kit box bag tote jacket shoe shoes boot
    boots bundle gift card pack series classic original special reserve monday tuesday
    wednesday thursday friday saturday sunday january february march april may june july
    august september october november december christmas easter day week weekend morning
    evening night thanks thank hi hello dear welcome happy congrats cheers warmly best love
    """
    )
)
_PROMPT_TALK: Final = re.compile(
    r"(?i)\bsystem\s+(?:prompt|message|instructions?)s?\b"
    r"|\bdeveloper\s+(?:prompt|message|instructions?|mode)s?\b"
    # "my instructions", but not "follow these instructions" or "your (delivery) instructions".
    r"|\b(?:my|the\s+assistant's|the\s+(?:hidden|secret))\s+"
    r"(?:instructions|prompt|prompts|rules|guidelines|programming|directives)\b"
    r"|\byour\s+(?:prompt|prompts|programming|directives)\b"
    r"|\bi\s+(?:was|have\s+been|am|'m)\s+(?:told|instructed|programmed|prompted|asked\s+by\s+"
    r"(?:the|my)\s+(?:system|developer|operator))\s+(?:to|not\s+to)\b"
    r"|\b(?:ignor(?:e|ing)|disregard(?:ing)?|forget(?:ting)?|overrid(?:e|ing))\s+(?:all\s+)?"
    r"(?:(?:the|your|my|any|previous|prior|above|earlier|these)\s+){1,2}"
    r"(?:instructions|rules|prompts?|guidelines)\b"
    r"|\bas\s+an?\s+(?:ai|language\s+model|llm|ai\s+assistant|assistant\s+model)\b"
    r"|\b(?:jailbreak|prompt\s+injection)\b"
    r"|(?<![\w-])prompt\s*:"
)


def _phone_key(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=256)
def _phones(text: str, region: str) -> tuple[tuple[str, Span], ...]:
    """Every phone number in `text`: (E.164 key, span). Valid numbers for `region` in any
    form; a short local number ("555-0177") only when grouped like a phone."""
    found: dict[Span, str] = {}
    strict = phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)
    for match in strict:
        found[(match.start, match.end)] = _phone_key(match.number)
    loose = phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE)
    for match in loose:
        span = (match.start, match.end)
        if span not in found and (
            match.raw_string.startswith("+") or _LOCAL_PHONE.match(match.raw_string)
        ):
            found[span] = _phone_key(match.number)
    return tuple(
        (key, span)
        for span, key in sorted(found.items())
        if not _NOT_A_PHONE_BEFORE.search(text[max(span[0] - 24, 0) : span[0]])
    )


def _strings(*values: Any) -> Iterator[str]:
    for value in values:
        if isinstance(value, str) and value.strip():
            yield value.strip()


def _customer(facts: Mapping[str, Any]) -> Mapping[str, Any]:
    customer = facts.get("customer")
    return customer if isinstance(customer, Mapping) else {}


def _brand_texts(draft: Draft) -> tuple[str, ...]:
    policy = draft.policy
    return (*policy.contact_phones, *policy.contact_emails, *policy.known_texts)


def _allowed_phones(draft: Draft) -> set[str]:
    region = draft.policy.phone_region
    allowed = {key for text in _brand_texts(draft) for key, _ in _phones(text, region)}
    for value in _strings(_customer(draft.facts).get("phone")):
        try:
            allowed.add(_phone_key(phonenumbers.parse(value, region)))
        except phonenumbers.NumberParseException:
            continue
    return allowed


def _allowed_emails(draft: Draft) -> set[str]:
    texts = [*_brand_texts(draft), *_strings(_customer(draft.facts).get("email"))]
    return {m.group().casefold() for text in texts for m in _EMAIL.finditer(text)}


def _masked_phone(key: str) -> str:
    return f"a number ending {key[-2:]}"


def _masked_email(address: str) -> str:
    return f"an address at {address.rsplit('@', 1)[-1].lower()}"


def _phone_findings(part: Part, draft: Draft) -> Iterator[Finding]:
    allowed = _allowed_phones(draft)
    for key, _span in _phones(part.folded, draft.policy.phone_region):
        if key not in allowed:
            yield finding(
                "foreign_phone",
                f"a phone number{part.where} that is neither the customer's own nor the "
                "brand's published contact; never give out anyone else's number",
                _masked_phone(key),
            )


def _email_findings(part: Part, draft: Draft) -> Iterator[Finding]:
    allowed = _allowed_emails(draft)
    for match in _EMAIL.finditer(part.folded):
        if match.group().casefold() not in allowed:
            yield finding(
                "foreign_email",
                f"an email address{part.where} that is neither the customer's own nor the "
                "brand's published contact; never give out anyone else's address",
                _masked_email(match.group()),
            )


def _own_words(draft: Draft) -> set[str]:
    """Words that make a capitalised pair not someone else's name: the customer's and the
    sender's names, and every word of the brand's name."""
    customer = _customer(draft.facts)
    texts = [
        *_strings(customer.get("first_name"), customer.get("last_name"), draft.first_name),
        draft.policy.sender_name,
        draft.policy.brand_name,
    ]
    brand = draft.facts.get("brand")
    if isinstance(brand, Mapping):
        texts += _strings(brand.get("name"), brand.get("sender"))
    return {w.casefold() for text in texts for w in re.findall(r"[^\W\d_]+", text)}


def _inside(span: Span, spans: Iterable[Span]) -> bool:
    return any(start < span[1] and span[0] < end for start, end in spans)


def _name_findings(part: Part, draft: Draft) -> Iterator[Finding]:
    own = _own_words(draft)
    # Known names (brand, sender, products of the facts and the catalogue) are blanked in
    # `masked`: a pair overlapping one is a product or the brand, never a person.
    masked = [(m.start(), m.end()) for m in re.finditer(r"_+", part.masked)]
    for match in _PAIR.finditer(part.folded):
        first, last = match.group("first"), match.group("last")
        if (
            first.casefold() not in GIVEN_NAMES
            or last.casefold() in _NOT_SURNAMES
            or first.casefold() in own
            or last.casefold() in own
            or _inside(match.span(), masked)
        ):
            continue
        yield finding(
            "foreign_name",
            f"a person's full name{part.where} ({first[0]}. {last[0]}.) that is not the "
            "customer's; never name another person",
            f"{first[0]}. {last[0]}.",
        )


def _prompt_findings(part: Part) -> Iterator[Finding]:
    match = _PROMPT_TALK.search(part.folded)
    if match:
        # Whatever sits next to the talk (a leaked address, say) is masked too.
        cut = redact_text(excerpt(part.text, match.span(), context=8))
        yield finding(
            "prompt_talk",
            f'talks about prompts, instructions or system messages{part.where}: "{cut}"',
            cut,
        )


def check(draft: Draft) -> Iterator[Finding]:
    """foreign_phone, foreign_email, foreign_name and prompt_talk in the body and subject."""
    for part in draft.parts:
        if not part.text.strip():
            continue
        yield from _phone_findings(part, draft)
        yield from _email_findings(part, draft)
        yield from _name_findings(part, draft)
        yield from _prompt_findings(part)
