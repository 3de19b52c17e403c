"""Known names (brand, sender, products) blanked out before wording checks read a text.

A product called "House Blend Whole Bean 250g" or "Baby Shower Gift Set" is the store's
name for a thing, not the draft talking about the customer's house or a pregnancy. The
sensitive, offer and brand-phrase checks therefore read `masked`: the folded text with every
known name replaced, character for character, by underscores (one word-like run per word),
so offsets stay valid and no pattern can match across or inside a name.

What counts as a name: the policy's brand, sender and catalogue names, and fact values under
name-like keys (`product`, `name`, `sender`, `brand`, `*_name`, `*_product`). A name of two
words or more is masked in full in any case, and any run of two or more of its words when
capitalised as in the name ("your new House Blend"); a one-word name only as written
("Acme", not "acme"), and one-word catalogue names never (too often ordinary words).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from assistant.drafting.guardrails.known import leaves
from assistant.drafting.guardrails.policy import GuardrailPolicy
from assistant.drafting.guardrails.text import Span, fold

_NAME_KEY: Final = re.compile(r"^(?:product|name|sender|brand)$|_(?:name|product)$")
_NOT_A_NAME_KEY: Final = frozenset({"first_name", "last_name", "full_name", "customer_name"})
_WORD: Final = re.compile(r"[^\W_]+(?:['&.-][^\W_]+)*", re.UNICODE)
_MAX_NAME_CHARS: Final = 120  # longer fact values are sentences, not names


def _words(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(fold(text))]


@dataclass(frozen=True)
class _Index:
    """Names as word tuples: exact-case bigrams for runs, lower-case first words for wholes."""

    runs: dict[tuple[str, str], tuple[tuple[str, ...], ...]]
    wholes: dict[str, tuple[tuple[str, ...], ...]]
    singles: frozenset[str]


@lru_cache(maxsize=64)
def _index(names: frozenset[str], singles_allowed: frozenset[str]) -> _Index:
    runs: dict[tuple[str, str], list[tuple[str, ...]]] = {}
    wholes: dict[str, list[tuple[str, ...]]] = {}
    singles: set[str] = set()
    for name in names:
        words = tuple(w for w, _, _ in _words(name))
        if len(words) == 1 and name in singles_allowed:
            singles.add(words[0])
        if len(words) < 2:
            continue
        lowered = tuple(w.casefold() for w in words)
        wholes.setdefault(lowered[0], []).append(lowered)
        for i in range(len(words) - 1):
            runs.setdefault((words[i], words[i + 1]), []).append(words[i:])
    return _Index(
        {k: tuple(sorted(v, key=len, reverse=True)) for k, v in runs.items()},
        {k: tuple(sorted(v, key=len, reverse=True)) for k, v in wholes.items()},
        frozenset(singles),
    )


def _longest(
    words: list[tuple[str, int, int]], i: int, candidates: Iterable[tuple[str, ...]], *, lower: bool
) -> int:
    """How many words from `i` on match the longest candidate prefix (0 if none of 2+)."""
    best = 0
    for candidate in candidates:
        n = 0
        while (
            n < len(candidate)
            and i + n < len(words)
            and (words[i + n][0].casefold() if lower else words[i + n][0]) == candidate[n]
        ):
            n += 1
        if n == len(candidate) or (not lower and n >= 2):
            best = max(best, n)
    return best


@dataclass(frozen=True)
class KnownNames:
    """The names a draft may use that are never evidence of anything: find them, blank them.

    `own` (brand, sender, the facts' names) changes with every draft; `catalog` is the
    store's and the same for all, so each is indexed on its own (the catalogue once).
    """

    own: frozenset[str]
    catalog: frozenset[str]

    @classmethod
    def of(cls, facts: Mapping[str, Any], policy: GuardrailPolicy) -> KnownNames:
        """The brand, sender and catalogue of `policy`, and the name-like values of `facts`."""
        own = [policy.brand_name, policy.sender_name]
        for leaf in leaves({k: v for k, v in facts.items() if str(k).lower() != "conversation"}):
            if (
                isinstance(leaf.value, str)
                and leaf.key not in _NOT_A_NAME_KEY
                and _NAME_KEY.search(leaf.key)
                and len(leaf.value) <= _MAX_NAME_CHARS
            ):
                own.append(leaf.value)
        return cls(frozenset(n.strip() for n in own if n and n.strip()), policy.catalog_names)

    def spans_in(self, text: str) -> list[Span]:
        """Where known names (whole, or runs of 2+ words as capitalised) occur in `text`."""
        words = _words(text)
        return [
            *_spans(words, _index(self.own, self.own)),
            *_spans(words, _index(self.catalog, frozenset())),
        ]


def _spans(words: list[tuple[str, int, int]], index: _Index) -> list[Span]:
    spans: list[Span] = []
    i = 0
    while i < len(words):
        n = 0
        if i + 1 < len(words):
            runs = index.runs.get((words[i][0], words[i + 1][0]), ())
            n = _longest(words, i, runs, lower=False)
            whole = index.wholes.get(words[i][0].casefold(), ())
            n = max(n, _longest(words, i, whole, lower=True))
        if n == 0 and words[i][0] in index.singles:
            n = 1
        if n:
            spans.append((words[i][1], words[i + n - 1][2]))
            i += n
        else:
            i += 1
    return spans


def mask(text: str, spans: Iterable[Span]) -> str:
    """`text` with each word character inside `spans` replaced by "_" (same length)."""
    chars = list(text)
    for start, end in spans:
        for k in range(start, end):
            if not chars[k].isspace():
                chars[k] = "_"
    return "".join(chars)
