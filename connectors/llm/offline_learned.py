"""Phrases the offline drafter learns from staff edits (`DraftRequest.examples`).

An example is an anonymised text a reviewer approved after editing it (assistant.learning).
Its opening sentence (after the greeting) and its closing sentence (before the signature)
become phrase templates: each [placeholder] turns into the slot the drafter fills from the
customer's own facts ([first_name] -> {name}, [product] -> the playbook's product slot). A
sentence with a placeholder no fact can fill truthfully ([number], [price], [date], [name],
[link], ...) is not used: the drafter never writes a value it does not hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_PLACEHOLDER = re.compile(r"\[(\w+)\]")
_GREETING = re.compile(r"^\s*(?:hi|hello|hey|dear)\b[^,!\n]*[,!]\s*", re.IGNORECASE)
_SENTENCES = re.compile(r"(?<=[.!?])\s+")
_SLOTS: dict[str, dict[str, str]] = {
    "recognition": {"first_name": "name", "product": "product"},
    "check_in": {"first_name": "name", "product": "product"},
    "upsell": {"first_name": "name", "product": "fav", "upgrade": "upgrade"},
    "re_engagement": {
        "first_name": "name",
        "product": "returned",
        "improvement": "improvement",
    },
}
MIN_WORDS = 4
MAX_CHARS = 200


@dataclass(frozen=True)
class Learned:
    """Opening and closing phrase templates from the examples, newest example first."""

    openings: tuple[str, ...] = ()
    closings: tuple[str, ...] = ()


def template(sentence: str, playbook: str) -> str | None:
    """`sentence` as a phrase template of `playbook`'s slots; None when it cannot be one."""
    slots = _SLOTS.get(playbook)
    sentence = " ".join(sentence.split())
    if slots is None or len(sentence) > MAX_CHARS or len(sentence.split()) < MIN_WORDS:
        return None
    if not sentence[:1].isalpha() or sentence[-1] not in ".!?":
        return None
    # Capitalised like the phrase bank's: `join_sentences` lowers it after "Hi Maya,".
    sentence = sentence[0].upper() + sentence[1:]
    escaped = sentence.replace("{", "{{").replace("}", "}}")
    names = _PLACEHOLDER.findall(escaped)
    if any(name not in slots for name in names):
        return None
    return _PLACEHOLDER.sub(lambda m: "{" + slots[m.group(1)] + "}", escaped)


def learned_phrases(examples: Iterable[str], playbook: str) -> Learned:
    """The usable openings and closings of `examples` for `playbook`, without repeats."""
    openings: list[str] = []
    closings: list[str] = []
    for example in examples:
        body = _GREETING.sub("", example.replace("[signature]", "").strip(), count=1)
        sentences = [s for s in _SENTENCES.split(body.strip()) if s.strip()]
        if not sentences:
            continue
        first = template(sentences[0], playbook)
        if first and first not in openings:
            openings.append(first)
        last = template(sentences[-1], playbook) if len(sentences) > 1 else None
        if last and last not in closings and last != first:
            closings.append(last)
    return Learned(tuple(openings), tuple(closings))
