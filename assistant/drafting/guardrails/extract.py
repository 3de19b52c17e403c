"""Finding fact-like mentions in text: money, percentages, dates, codes, order numbers, counts.

The same extractors read the draft (what it claims) and every fact value (what is known),
so whatever form a fact takes in the receipt, the draft may restate it in any form the
extractors understand: "$34", "34.00" and "USD 34" are all 34; "18 November", "Nov 18",
"on 11/18" and "2026-11-18" are all November 18. Every function expects text already passed
through `text.fold` (straight quotes and dashes), so spans are spans of the original.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Final

from assistant.drafting.guardrails.text import Span, overlaps, words

# (year, month, day); None where the text does not say ("Nov 18" has no year).
PartialDate = tuple[int | None, int | None, int | None]

_NUM: Final = r"\d{1,3}(?:,\d{3})+|\d+"
# Money, percentages, order numbers, dates and catalogue-free codes all need a digit: a text
# without one skips those patterns (most sentences of a message have none).
_DIGIT: Final = re.compile(r"\d")

# --- money ----------------------------------------------------------------------------------

_AMOUNT: Final = rf"(?P<num>{_NUM})(?P<dec>\.\d{{1,2}})?(?P<k>[kK](?![^\W\d_]))?"
_MONEY: Final = (
    re.compile(rf"(?<![\w$])(?:(?:US|CA|C|A|AU|NZ|HK|S)?\$|£|€|¥)\s?{_AMOUNT}"),
    re.compile(rf"\b(?:USD|EUR|GBP|CAD|AUD|NZD|JPY|CHF)\s?{_AMOUNT}"),
    re.compile(
        rf"(?<![\w.,]){_AMOUNT}\s?(?:USD|EUR|GBP|CAD|AUD|NZD|JPY|CHF|dollars?|bucks|euros?)\b"
    ),
    # A bare amount with cents ("34.00") reads as a price; "1.5L" or "4.70kg" do not.
    re.compile(rf"(?<![\w.,$£€¥])(?P<num>{_NUM})(?P<dec>\.\d{{2}})(?P<k>)(?!\d|\.\d|%|[^\W\d_])"),
)


def _decimal(text: str) -> Decimal | None:
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def money(text: str) -> list[tuple[Span, Decimal]]:
    """Money amounts: "$34", "£1,200.50", "USD 34", "34 dollars", "$5K", bare "34.00"."""
    found: list[tuple[Span, Decimal]] = []
    if not _DIGIT.search(text):
        return found
    for pattern in _MONEY:
        for m in pattern.finditer(text):
            if overlaps(m.span(), (span for span, _ in found)):
                continue
            value = _decimal(m.group("num") + (m.group("dec") or ""))
            if value is not None:
                found.append((m.span(), value * 1000 if m.group("k") else value))
    return found


# --- percentages ------------------------------------------------------------------------------

_PERCENT: Final = re.compile(
    rf"(?<![\w.])(?P<num>{_NUM}(?:\.\d+)?)\s?(?:%|(?i:percent|per cent)\b)"
)


def percents(text: str) -> list[tuple[Span, Decimal]]:
    """Percentages: "10%", "10 %", "ten percent" is not read (numbers in words are rare)."""
    found: list[tuple[Span, Decimal]] = []
    if not _DIGIT.search(text):
        return found
    for m in _PERCENT.finditer(text):
        value = _decimal(m.group("num"))
        if value is not None:
            found.append((m.span(), value))
    return found


# --- order numbers ----------------------------------------------------------------------------

_ORDER: Final = (
    re.compile(r"(?<![\w&#])#\s?(?P<digits>\d{3,})\b"),
    re.compile(
        r"(?i:\border)(?:\s+(?i:number|no\.?|num\.?|nr\.?|id))?\s*:?\s*#?\s*(?P<digits>\d{3,})\b"
    ),
)


def order_numbers(text: str) -> list[tuple[Span, str]]:
    """Order numbers: "#100234", "order 100234", "order no. 100234" (3 digits or more)."""
    found: list[tuple[Span, str]] = []
    if not _DIGIT.search(text):
        return found
    for pattern in _ORDER:
        for m in pattern.finditer(text):
            if not overlaps(m.span(), (span for span, _ in found)):
                found.append((m.span(), m.group("digits").lstrip("0") or "0"))
    return found


# --- discount codes ---------------------------------------------------------------------------

_CODE_TOKEN: Final = re.compile(r"(?<![\w-])[A-Z0-9]+(?:-[A-Z0-9]+)*(?![\w-])")
_CODE_AFTER_NOUN: Final = re.compile(
    r"(?i:\b(?:code|coupon|promo|voucher)\b)\s*:?\s+(?:(?i:is)\s+)?[\"']?"
    r"(?P<tok>[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)(?![\w-])"
)
_CODE_AFTER_VERB: Final = re.compile(
    r"(?i:\b(?:use|enter|apply)\b)\s+[\"']?(?P<tok>[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*)(?![\w-])"
)
# Sizes, units and resolutions that look like codes: 250G, 1.5L, 2XL, 4X100G, 1080P.
_NOT_A_CODE: Final = re.compile(
    r"^\d+(?:\.\d+)?(?:X{0,3}L|X{1,3}S|KG|G|MG|ML|CL|L|OZ|FL|LB|LBS|CM|MM|M|IN|FT|PK|PCS?|W|V|"
    r"MAH|GB|TB|MB|K|P|D|HZ|ST|ND|RD|TH|AM|PM)$|^\d+X\d+[A-Z]*$"
)
# Keywords a carrier acts on: telling a customer to text them is not a discount code.
_KEYWORDS: Final = frozenset(
    words("STOP STOPALL UNSUBSCRIBE CANCEL END QUIT REVOKE OPTOUT START YES UNSTOP HELP INFO")
)


def code_key(token: str) -> str:
    """How codes compare: upper case, without hyphens or spaces ("welcome-10" == WELCOME10)."""
    return re.sub(r"[\s-]", "", token).upper()


def _looks_like_code(token: str, *, in_context: bool) -> bool:
    key = code_key(token)
    if len(key) < 4 or key in _KEYWORDS or _NOT_A_CODE.match(key):
        return False
    digits = sum(c.isdigit() for c in key)
    letters = len(key) - digits
    if in_context:
        return letters > 0 and (digits > 0 or token.isupper())
    # Two letters at least: "V60-02" or "A4" are models, "SAVE5" and "10OFF" are codes.
    return digits > 0 and letters >= 2


def codes(text: str) -> list[tuple[Span, str]]:
    """Discount-code-like tokens: SAVE20, WELCOME-10, or any token after "use code"."""
    found: list[tuple[Span, str]] = []
    for pattern in (_CODE_AFTER_NOUN, _CODE_AFTER_VERB):
        for m in pattern.finditer(text):
            if _looks_like_code(m.group("tok"), in_context=True):
                found.append((m.span("tok"), code_key(m.group("tok"))))
    if not _DIGIT.search(text):
        return found  # a token outside "use code ..." is a code only with a digit in it
    for m in _CODE_TOKEN.finditer(text):
        if not overlaps(m.span(), (s for s, _ in found)) and _looks_like_code(
            m.group(), in_context=False
        ):
            found.append((m.span(), code_key(m.group())))
    return found


def code_tokens(text: str) -> set[str]:
    """Every token of `text` as a code key, for the known side (product "Kenya AA Nyeri")."""
    return {code_key(t) for t in re.findall(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*", text)}


# --- dates ------------------------------------------------------------------------------------

_MONTH_NUMBERS: Final = {
    name: number
    for number in range(1, 13)
    for name in (calendar.month_name[number].lower(), calendar.month_abbr[number].lower())
} | {"sept": 9}
_MON: Final = (
    r"(?P<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_ISO: Final = re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)")
_MONTH_DAY: Final = re.compile(
    rf"(?i:\b{_MON}\b)\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>\d{{4}})\b)?"
)
_DAY_MONTH: Final = re.compile(
    rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?i:{_MON}\b)\.?(?:,?\s+(?P<y>\d{{4}})\b)?"
)
_MONTH_YEAR: Final = re.compile(rf"(?i:\b{_MON}\b)\.?,?\s+(?P<y>\d{{4}})\b")
_SLASH: Final = re.compile(
    r"(?<![\d/.])(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?(?![\d/])"
)
_DOTTED: Final = re.compile(r"(?<![\d.])(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})(?!\d)")
_YEAR: Final = re.compile(r"(?<![\w$£€¥#.,/:-])(?P<y>19[5-9]\d|20\d\d)(?![\w%/:-]|[.,]\d)")
# Before a year-less "11/18": a number pair elsewhere ("1/2 cup", "24/7") is not a date.
_DATE_PREPOSITION: Final = re.compile(
    r"(?i)\b(?:on|by|until|till|til|from|since|before|after|through|thru|due|ends?|starting|"
    r"dated|of)\s*$"
)


def _valid(year: int | None, month: int | None, day: int | None) -> bool:
    if month is None:
        return year is not None
    if not 1 <= month <= 12:
        return False
    if day is None:
        return True
    return 1 <= day <= calendar.monthrange(year if year is not None else 2024, month)[1]


def _year(text: str | None) -> int | None:
    if not text:
        return None
    value = int(text)
    return value + 2000 if value < 100 else value


def _month(match: re.Match[str]) -> int | None:
    name = match.group("mon")
    if not name[0].isupper():  # "may" the verb, "march" on
        return None
    return _MONTH_NUMBERS.get(name.lower())


def _candidates(match: re.Match[str], pattern: re.Pattern[str], text: str) -> list[PartialDate]:
    groups = match.groupdict()
    year = _year(groups.get("y"))
    if pattern is _SLASH:
        a, b = int(groups["a"]), int(groups["b"])
        before = text[max(match.start() - 16, 0) : match.start()]
        if year is None and not _DATE_PREPOSITION.search(before):
            return []
        pairs = [(a, b), (b, a)]  # month/day as in the US, else day/month
        return [(year, m, d) for m, d in dict.fromkeys(pairs) if _valid(year, m, d)]
    if pattern is _YEAR:
        return [(year, None, None)]
    month = int(groups["m"]) if "m" in groups else _month(match)
    day = int(groups["d"]) if groups.get("d") else None
    return [(year, month, day)] if month is not None and _valid(year, month, day) else []


_DATE_PATTERNS: Final = (_ISO, _MONTH_DAY, _DAY_MONTH, _MONTH_YEAR, _DOTTED, _SLASH, _YEAR)


def dates(text: str, *, taken: Iterable[Span] = ()) -> list[tuple[Span, tuple[PartialDate, ...]]]:
    """Dates in any common written form, each with its possible readings.

    "2026-11-18", "18 November", "Nov 18th, 2026", "November 2026", "18.11.2026",
    "11/18/2026", "on 11/18" (a year-less slash date only after a preposition; read both
    ways) and a year on its own ("since 2023"). Spans in `taken` (money, order numbers) are
    skipped.
    """
    found: list[tuple[Span, tuple[PartialDate, ...]]] = []
    if not _DIGIT.search(text):
        return found
    claimed = list(taken)
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if overlaps(m.span(), claimed):
                continue
            readings = _candidates(m, pattern, text)
            if readings:
                claimed.append(m.span())
                found.append((m.span(), tuple(readings)))
    return found


# --- counts -----------------------------------------------------------------------------------

NUMBER_WORDS: Final = {
    word: value
    for value, word in enumerate(
        words(
            "zero one two three four five six seven eight nine ten eleven twelve thirteen "
            "fourteen fifteen sixteen seventeen eighteen nineteen twenty"
        )
    )
} | {"thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "dozen": 12}
ORDINAL_WORDS: Final = {
    word: value
    for value, word in enumerate(
        words(
            "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh "
            "twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth "
            "twentieth"
        )
    )
} | {"thirtieth": 30, "fiftieth": 50, "hundredth": 100}
_COUNT: Final = re.compile(
    rf"(?i)\b(?P<n>\d+|{'|'.join(NUMBER_WORDS)}|a dozen)\+?\s+"
    r"(?:(?:more|whole|full|great|happy|wonderful|lovely)\s+)?"
    r"(?:orders?|years?|purchases?|times|visits?|deliveries)\b"
)
_ORDINAL: Final = re.compile(
    rf"(?i)\b(?:(?P<n>\d+)(?:st|nd|rd|th)|(?P<w>{'|'.join(ORDINAL_WORDS)}))\s+"
    r"(?:order|purchase|year|anniversary|visit|delivery|box)\b"
)


def _count_value(word: str) -> int | None:
    word = word.lower().removeprefix("a ")
    if word.isdigit():
        return int(word)
    return NUMBER_WORDS.get(word, ORDINAL_WORDS.get(word))


def counts(text: str) -> list[tuple[Span, int]]:
    """Counts that are facts about the customer: "10 orders", "three years", "5th order".

    One ("your first order", "one year") is left alone: too common to be a claim.
    """
    found: list[tuple[Span, int]] = []
    for pattern in (_COUNT, _ORDINAL):
        for m in pattern.finditer(text):
            value = _count_value(m.group("n") or m.group("w"))
            if value is not None and value > 1:
                found.append((m.span(), value))
    return found


def numbers(text: str) -> set[Decimal]:
    """Every number in `text`, in digits or words (for the known side)."""
    values = {
        value
        for raw in re.findall(r"\d+(?:[.,]\d+)*", text)
        if (value := _decimal(raw)) is not None
    }
    for word in re.findall(r"[A-Za-z]+", text.lower()):
        count = NUMBER_WORDS.get(word, ORDINAL_WORDS.get(word))
        if count is not None:
            values.add(Decimal(count))
    return values


# --- links ------------------------------------------------------------------------------------

_LINK: Final = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"'()\[\]]+")


def link_key(link: str) -> str:
    """How links compare: no scheme, no "www.", no trailing slash or punctuation, lower case."""
    key = re.sub(r"(?i)^(?:https?://)?(?:www\.)?", "", link.rstrip(".,!?;:")).lower()
    return key.rstrip("/")


def links(text: str) -> list[tuple[Span, str]]:
    """Web links: "https://...", "www....". Bare domains are not read (too many false hits)."""
    found: list[tuple[Span, str]] = []
    for m in _LINK.finditer(text):
        raw = m.group().rstrip(".,!?;:")
        found.append(((m.start(), m.start() + len(raw)), link_key(raw)))
    return found
