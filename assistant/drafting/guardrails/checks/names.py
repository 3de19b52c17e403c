"""Names: the customer's first name is used, and nobody else is greeted or addressed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from assistant.drafting.guardrails.checks.base import Draft, Part
from assistant.drafting.guardrails.findings import Finding, finding
from assistant.drafting.guardrails.text import name_key, strip_accents, words
from assistant.drafting.sms_segments import is_gsm7

_NAME: Final = (
    r"(?P<name>(?:(?:Mr|Mrs|Ms|Mx|Dr|Miss)\.?\s+)?[A-Z\u00c0-\u00d6\u00d8-\u00de][\w'-]*)"
)
_AFTER_NAME: Final = r"(?=[\s,!.:;?)-]|$)"

# A greeting that opens the message, a line or a sentence: "Hi Maria," / "Dear John".
_GREETING: Final = re.compile(
    r"(?:^|(?<=[.!?\n]))[ \t]*(?i:hi|hello|hey|hiya|heya|howdy|dear|greetings|"
    r"good\s+(?:morning|afternoon|evening)|morning|evening|welcome\s+back|congrats|"
    r"congratulations)[ \t]*,?[ \t]+" + _NAME + _AFTER_NAME,
    re.MULTILINE,
)
# A thank-you addressed to someone: "Thank you so much, Maria!" (not a closing "Thanks, Sam").
_VOCATIVE: Final = re.compile(
    r"\b(?i:thanks|thank\s+you|cheers)(?:\s+(?i:so\s+much|again|a\s+lot|for\s+everything))?"
    r"[ \t]*,[ \t]*" + _NAME + r"(?=[!.,?])"
)
# Capitalised words that follow a greeting without being a name ("Hi There", "Dear Valued").
_NOT_NAMES: Final = frozenset(
    words(
        "there again all everyone everybody friend friends team folks you yall neighbor neighbour "
        "valued customer customers coffee lover lovers sir madam from to and for it this we i our "
        "your so just love hope on thanks thank welcome back"
    )
)


def _first_word(name: str) -> str:
    return name.split()[0] if name.split() else name


def _is_customer(name: str, first_name: str) -> bool | None:
    """True: the customer's name; None: the same but spelled differently; False: another name."""
    given, wanted = name_key(name), name_key(first_name)
    if given in (wanted, name_key(_first_word(first_name))):
        return True
    if strip_accents(given) in (
        strip_accents(wanted),
        strip_accents(name_key(_first_word(first_name))),
    ):
        return None
    return False


def _is_closing(rest: str, draft: Draft) -> bool:
    """Whether `rest`, the text after "Thanks, NAME", is at most a short sign-off tail."""
    tail = rest.strip(" \t\n!.,")
    brand = draft.policy.brand_name.strip()
    return not tail or (
        len(tail.split()) <= 6
        and "?" not in tail
        and ("STOP" in tail or bool(brand and brand in tail))
    )


def _greeted(part: Part, draft: Draft, first_name: str) -> Iterator[Finding]:
    sender = name_key(draft.policy.sender_name)
    brand_words = {name_key(w) for w in draft.policy.brand_name.split()}
    matches = [(m, True) for m in _GREETING.finditer(part.folded)]
    matches += [(m, False) for m in _VOCATIVE.finditer(part.folded)]
    for match, is_greeting in matches:
        name = match.group("name")
        key = name_key(name)
        if key in _NOT_NAMES or key in brand_words:
            continue  # "Hi There", "Hello Ember & Oak fans"
        follows = part.folded[match.end() :].lstrip()
        if follows.lower().startswith("here"):
            continue  # "Hey, Sam here from Ember & Oak": the writer introducing themselves
        if not is_greeting and (key == sender or _is_closing(follows, draft)):
            continue  # the closing "Thanks, Sam" or "Thanks, Jo at Ember & Oak"
        verdict = _is_customer(name, first_name)
        if verdict is None and draft.channel == "sms" and not all(map(is_gsm7, first_name)):
            continue  # "Julia" for "Júlia" keeps the SMS in GSM-7: a fair spelling there
        text = " ".join(part.text[match.start() : match.end()].split())
        if verdict is None:
            yield finding(
                "name_spelling",
                f'greets the customer as "{name}"{part.where}; their name is spelled '
                f'"{first_name}"',
                text,
            )
        elif not verdict:
            yield finding(
                "name_wrong",
                f'addresses "{name}"{part.where}, but the customer is {first_name}; use only '
                "the customer's first name",
                text,
            )


def _mentions(draft: Draft, first_name: str) -> bool:
    wanted = strip_accents(name_key(_first_word(first_name)))
    pattern = re.compile(rf"(?<!\w){re.escape(wanted)}(?!\w)")
    return any(pattern.search(strip_accents(name_key(part.folded))) for part in draft.parts)


def check(draft: Draft) -> Iterator[Finding]:
    """name_wrong for a greeting of someone else; name_missing without the first name."""
    first_name = (draft.first_name or "").strip()
    if not first_name or not draft.body.text.strip():
        return
    for part in draft.parts:
        yield from _greeted(part, draft, first_name)
    if not _mentions(draft, first_name):
        yield finding(
            "name_missing",
            f"the customer's first name ({first_name}) does not appear; a personal message "
            "greets them by name",
        )
