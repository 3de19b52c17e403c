"""Text helpers shared by the checks: one-to-one folding, accents, tokens, spans."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Final

# Typographic variants mapped one character to one character, so that offsets in the
# folded text are offsets in the original and excerpts can be cut from the original.
_FOLD: Final = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u02bc": "'",
        "\u2032": "'",
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2026": ".",
        "\u00a0": " ",
        "\u2007": " ",
        "\u2009": " ",
        "\u200a": " ",
        "\u202f": " ",
    }
)

Span = tuple[int, int]


def words(text: str) -> list[str]:
    """The whitespace-separated words of `text` (for word lists written as one string)."""
    return text.split()


def fold(text: str) -> str:
    """Smart quotes, dashes and special spaces as ASCII; same length as `text`."""
    return text.translate(_FOLD)


def lower(text: str) -> str:
    """`text` in lower case, character for character (offsets stay valid)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def strip_accents(text: str) -> str:
    """`text` without combining accents ("Zoë" -> "Zoe")."""
    if text.isascii():
        return text  # nothing to decompose
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def name_key(text: str) -> str:
    """How two spellings of a name compare: folded, case-insensitive."""
    return fold(text).casefold().strip()


_TOKEN: Final = re.compile(r"[^\W_]+", re.UNICODE)


def tokens(text: str) -> list[tuple[str, int, int]]:
    """Alphanumeric words of `text`, case-folded, with their spans ("Chef's" -> chef, s)."""
    return [(m.group().casefold(), m.start(), m.end()) for m in _TOKEN.finditer(fold(text))]


def token_key(text: str) -> str:
    """`text` as space-separated case-folded words, for containment tests."""
    return " ".join(t for t, _, _ in tokens(text))


def excerpt(text: str, span: Span, *, context: int = 0) -> str:
    """The text of `span`, widened by `context` characters, on one line."""
    start, end = max(span[0] - context, 0), min(span[1] + context, len(text))
    return " ".join(text[start:end].split())


def overlaps(span: Span, spans: Iterable[Span]) -> bool:
    """Whether `span` shares a character with any of `spans`."""
    return any(span[0] < end and start < span[1] for start, end in spans)


def inside(span: Span, spans: Iterable[Span]) -> bool:
    """Whether `span` lies wholly within one of `spans`."""
    return any(start <= span[0] and span[1] <= end for start, end in spans)


def occurrence_key(needle: str) -> str:
    """`needle` as `occurrences` looks for it: folded, lower case; "" when under 3 characters."""
    key = lower(fold(needle)).strip()
    return key if len(key) >= 3 else ""


def find_all(haystack: str, key: str) -> list[Span]:
    """Every (possibly overlapping) occurrence of `key` in `haystack`; none for an empty key."""
    spans: list[Span] = []
    if not key:
        return spans
    start = haystack.find(key)
    while start != -1:
        spans.append((start, start + len(key)))
        start = haystack.find(key, start + 1)
    return spans


def occurrences(haystack_folded: str, needle: str) -> list[Span]:
    """Case-insensitive occurrences of `needle` in text already passed through fold and lower."""
    return find_all(haystack_folded, occurrence_key(needle))


@lru_cache(maxsize=256)
def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """A case-insensitive, word-boundary-aware pattern for `phrase` (spaces match any run).

    Cached: the phrases are the brand's (opt-out notice, words to avoid), the same for every
    draft."""
    words = fold(phrase).split()
    body = r"\s+".join(re.escape(w) for w in words)
    head = r"(?<!\w)" if words and re.match(r"\w", words[0]) else ""
    tail = r"(?!\w)" if words and re.search(r"\w$", words[-1]) else ""
    return re.compile(head + body + tail, re.IGNORECASE)


def is_emoji(cluster: str) -> bool:
    """Whether a grapheme cluster is (or starts with) an emoji pictograph."""
    first = ord(cluster[0])
    return (
        0x1F000 <= first <= 0x1FAFF
        or 0x2600 <= first <= 0x27BF
        or 0x2B00 <= first <= 0x2BFF
        or (first in (0x00A9, 0x00AE, 0x203C, 0x2049, 0x2122) and "\ufe0f" in cluster)
        or "\u20e3" in cluster
    )
