"""How alike drafts open: the opening sentence with its facts as tokens, and its top share.

Batch-and-blast reads as identical messages; the measure is the opening sentence after the
greeting, with every fact value (first name, product, dates) and every number replaced by a
token, so two drafts that differ only in whom and what they name count as the same opening.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from assistant.drafting.guardrails.known import leaves

_GREETING = re.compile(r"^\s*(?:hi|hello|hey|dear)\b[^,!\n]*[,!]\s*", re.IGNORECASE)
_SENTENCE = re.compile(r"^(.+?[.!?])(?:\s|$)", re.DOTALL)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _values(facts: Mapping[str, Any]) -> list[str]:
    texts = {str(leaf.value) for leaf in leaves(facts) if isinstance(leaf.value, str)}
    # A note may be restated as a clause: "Quieter motor; new lid" -> "quieter motor, new lid".
    texts |= {t.rstrip(".").replace("; ", ", ") for t in texts}
    # Longest first, so "House Blend Whole Bean 250g" is replaced before "House Blend".
    return sorted((t for t in texts if len(t) >= 2), key=len, reverse=True)


def opening_key(body: str, facts: Mapping[str, Any], extra: Iterable[str] = ()) -> str:
    """The first sentence after the greeting, lower case, facts and numbers as tokens."""
    text = _GREETING.sub("", body.strip(), count=1)
    match = _SENTENCE.match(text)
    sentence = (match.group(1) if match else text.split("\n", 1)[0]).lower()
    for value in [*_values(facts), *sorted(extra, key=len, reverse=True)]:
        sentence = sentence.replace(value.lower(), "<fact>")
    return " ".join(_NUMBER.sub("<n>", sentence).split())


def top_opening_share(
    drafts: Sequence[tuple[str, Mapping[str, Any]]], extra: Iterable[str] = ()
) -> float:
    """The share of `drafts` ((body, facts) pairs) opening with the most common sentence."""
    if not drafts:
        return 0.0
    names = tuple(extra)
    counts = Counter(opening_key(body, facts, names) for body, facts in drafts)
    return counts.most_common(1)[0][1] / len(drafts)
