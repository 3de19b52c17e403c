"""Turning an approved text into an example that holds nothing about anyone.

Order matters: addresses and links first (they hold digits and names), then the brand's
signature, the customer's names, product names and other fact values (a product called
"Trail Runner 2" goes before numbers), then order numbers, prices, dates and times, then
any number left, and last any capitalised word in mid-sentence that is not a word the brand
itself uses (a pet's or a town's name). What is left is phrasing, with [placeholders].
Names match whatever their accents: "Jose" in the text is "José" in the facts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

SIGNATURE = "[signature]"
LINK = "[link]"
FIRST_NAME = "[first_name]"
LAST_NAME = "[last_name]"
PRODUCT = "[product]"
UPGRADE = "[upgrade]"
NAME = "[name]"
NUMBER = "[number]"
PRICE = "[price]"
DATE = "[date]"
TIME = "[time]"
ORDER_NUMBER = "[order_number]"

_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"]+"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|co|shop|store|uk|de|fr|ca|au|us|eu|app|ly)"
    r"(?:/[^\s<>\"]*)?\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Seven or more digits with the separators people type: +1 (555) 123-4567, 07700 900123.
_PHONE = re.compile(r"(?<![\w\[])\+?\d[\d\s().-]{5,}\d(?![\w\]])")
_ORDER = re.compile(
    r"(?:\b(order|ref(?:erence)?|invoice|receipt)\s*(?:no\.?|number|num\.?|#)?\s*:?\s*#?|#)"
    r"\s*[A-Z]{0,3}-?\d[\w-]*",
    re.IGNORECASE,
)
_CURRENCY = r"(?:[$€£¥]|US\$|C\$|A\$)"
_AMOUNT = r"\d{1,3}(?:[,.\s]\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_PRICE = re.compile(
    rf"{_CURRENCY}\s?(?:{_AMOUNT})|(?:{_AMOUNT})\s?(?:{_CURRENCY}|\b(?:USD|EUR|GBP|CAD|AUD|"
    r"dollars?|euros?|pounds?|bucks)\b)",
    re.IGNORECASE,
)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec"
)
_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE = re.compile(
    r"\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?\b"
    rf"|\b(?:(?:{_WEEKDAYS}),?\s+)?(?:(?:{_MONTHS})\.?\s+{_DAY}(?:,?\s+\d{{4}})?"
    rf"|{_DAY}\s+(?:of\s+)?(?:{_MONTHS})\b\.?(?:,?\s+\d{{4}})?)(?!\w)",
    re.IGNORECASE,
)
_TIME = re.compile(r"\b\d{1,2}(?::\d{2})?\s?(?:am|pm|a\.m\.|p\.m\.)(?!\w)|\b\d{1,2}:\d{2}\b", re.I)
_GREETING = re.compile(r"(?:hi|hello|hey|dear|good \w+)\b[^,]*,", re.IGNORECASE)
_ISO_DAY = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
_APOSTROPHE = "\u2019"
_WORD = re.compile(rf"[^\W\d_][\w'{_APOSTROPHE}-]*", re.UNICODE)
# Capitalised words that say nothing about a person.
_COMMON_WORDS = (
    "i i'm i'd i've i'll ok okay hi hello hey dear thanks thank p.s ps sms stop "
    "monday tuesday wednesday thursday friday saturday sunday january february march "
    "april may june july august september october november december christmas easter "
    "halloween thanksgiving new year valentine's black cyber mother's father's day eve "
    "mr mrs ms miss dr"
)
_COMMON = frozenset(_COMMON_WORDS.split())


def fold(text: str) -> str:
    """Lower case without accents, one character for one: offsets stay valid."""
    out = []
    for char in text:
        base = unicodedata.normalize("NFKD", char)[:1] or char
        out.append(base.lower() if len(base.lower()) == 1 else char)
    return "".join(out)


@dataclass(frozen=True)
class Known:
    """What to take out of one text: values by the placeholder that replaces them."""

    values: Mapping[str, Iterable[str]] = field(default_factory=dict)
    signatures: Iterable[str] = ()
    # Words the brand itself writes (its name, sender): kept even when capitalised.
    brand_words: Iterable[str] = ()


def _replace_values(text: str, values: Mapping[str, Iterable[str]]) -> str:
    pairs = sorted(
        {(v.strip(), tag) for tag, items in values.items() for v in items if v and v.strip()},
        key=lambda pair: len(pair[0]),
        reverse=True,
    )
    for value, tag in pairs:
        folded = fold(text)
        # A whole catalog is offered; only names the text holds cost a regex.
        if len(value) < 2 or fold(value) not in folded:
            continue
        pattern = re.compile(rf"(?<!\w){re.escape(fold(value))}(?!\w)")
        pieces, last = [], 0
        for match in pattern.finditer(folded):
            pieces += [text[last : match.start()], tag]
            last = match.end()
        text = "".join(pieces) + text[last:]
    return text


def _replace_signatures(text: str, signatures: Iterable[str]) -> str:
    for signature in sorted({s for s in signatures if s.strip()}, key=len, reverse=True):
        words = [re.escape(w) for w in signature.split()]
        pattern = re.compile(r"[\s,]*".join(words) + r"[.!]?", re.IGNORECASE)
        text = pattern.sub(SIGNATURE, text)
    return text


def _starts_sentence(before: str) -> bool:
    """Whether a word after `before` begins a sentence, a line or the greeting's clause."""
    before = before.rstrip(" \t")
    if not before or before[-1] in ".!?:\n" or before.endswith(SIGNATURE):
        return True
    line = re.split(r"[.!?\n]", before)[-1]
    return bool(_GREETING.fullmatch(line.strip()))


def _mid_sentence_names(text: str, keep: frozenset[str]) -> str:
    """A capitalised word in mid-sentence that the brand does not use: [name]."""

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        plain = fold(word).replace(_APOSTROPHE, "'")
        if (
            not word[0].isupper()
            or word.isupper()
            or plain in _COMMON
            or plain.split("'")[0] in keep
            or plain in keep
            or _starts_sentence(text[: match.start()])
        ):
            return word
        return NAME

    return _WORD.sub(swap, text)


def _link(match: re.Match[str]) -> str:
    value = match.group(0)
    trailing = value[len(value.rstrip(".,!?;:)")) :]
    return LINK + trailing


def _phone(match: re.Match[str]) -> str:
    value = match.group(0)
    digits = sum(char.isdigit() for char in value)
    return value if digits < 7 or _ISO_DAY.fullmatch(value.strip()) else LINK


def anonymise(text: str, known: Known) -> str:
    """`text` with every personal or factual detail replaced by a [placeholder]."""
    out = _EMAIL.sub(LINK, text)
    out = _URL.sub(_link, out)
    out = _PHONE.sub(_phone, out)
    out = _replace_signatures(out, known.signatures)
    out = _replace_values(out, known.values)
    out = _ORDER.sub(lambda m: f"{m.group(1)} {ORDER_NUMBER}" if m.group(1) else ORDER_NUMBER, out)
    out = _PRICE.sub(PRICE, out)
    out = _TIME.sub(TIME, out)
    out = _DATE.sub(DATE, out)
    out = _DIGITS.sub(NUMBER, out)
    keep = frozenset(fold(w) for phrase in known.brand_words for w in _WORD.findall(phrase))
    out = _mid_sentence_names(out, keep)
    return re.sub(r"[ \t]+", " ", out).strip()
