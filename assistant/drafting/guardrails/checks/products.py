"""Invented products: a catalogue product named in the draft but absent from its facts.

Only with the store's catalogue (policy.catalog_names): a capitalised phrase is a product
only when it is exactly a catalogue name of two words or more. Without a catalogue nothing
is guessed, so an unusual product name never blocks a good draft.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from assistant.drafting.guardrails.checks.base import Draft, Part
from assistant.drafting.guardrails.findings import Finding, finding
from assistant.drafting.guardrails.text import Span, excerpt, inside, token_key, tokens

# first word -> the catalogue names starting with it, as word tuples, longest first
_Index = dict[str, list[tuple[tuple[str, ...], str]]]


@lru_cache(maxsize=8)
def _index(names: frozenset[str]) -> _Index:
    index: _Index = {}
    for name in names:
        words = tuple(token_key(name).split())
        if len(words) >= 2:
            index.setdefault(words[0], []).append((words, name))
    for entries in index.values():
        entries.sort(key=lambda entry: -len(entry[0]))
    return index


def _capitalised_like(name: str, text: str) -> bool:
    """Whether the words capitalised in the catalogue name are capitalised in the draft too."""
    expected = [word[0].isupper() for word in name.split()]
    found = [word[0].isupper() for word in text.split()]
    if len(expected) != len(found):
        return text[:1].isupper()
    return all(f or not e for e, f in zip(expected, found, strict=True))


def mentions(part: Part, names: frozenset[str]) -> list[tuple[Span, str]]:
    """Catalogue names in `part`, longest match first, never overlapping."""
    index = _index(names)
    words = tokens(part.text)
    found: list[tuple[Span, str]] = []
    i = 0
    while i < len(words):
        for entry, name in index.get(words[i][0], ()):
            end = i + len(entry)
            if tuple(w for w, _, _ in words[i:end]) == entry:
                span = (words[i][1], words[end - 1][2])
                if _capitalised_like(name, part.text[span[0] : span[1]]):
                    found.append((span, name))
                    i = end - 1
                    break
        i += 1
    return found


def check(draft: Draft) -> Iterator[Finding]:
    """invented_product for a catalogue product the facts do not mention."""
    names = draft.policy.catalog_names
    if not names:
        return
    for part in draft.parts:
        for span, name in mentions(part, names):
            if draft.known.knows_phrase(name) or inside(span, part.fact_spans):
                continue
            yield finding(
                "invented_product",
                f'"{name}"{part.where} is a product from the catalogue that is not in the '
                "facts; mention only the products the facts give",
                excerpt(part.text, span),
            )
