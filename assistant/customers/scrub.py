"""Erasing a person's data from free text and JSON documents, keeping their shape.

A JSON document (a fact receipt, guardrail findings, an audit row's data) keeps its keys,
numbers and short codes (`opted_out`, `sms`) so reports still count them; a string is
replaced by `ERASED` when it sits under a free-text key (`before`, `after`, `reason`,
`conversation`, ...) or contains any of the person's own values (names, addresses, the
texts they sent or were sent).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

ERASED = "[erased]"
# Keys whose string values (at any depth) are free text about or from the person.
FREE_TEXT_KEYS = frozenset(
    {
        "after",
        "before",
        "body",
        "conversation",
        "detail",
        "email",
        "first_name",
        "inbound",
        "instruction",
        "last_name",
        "message",
        "note",
        "phone",
        "reason",
        "subject",
        "text",
    }
)
# A code such as `opted_out` or `sms` says nothing about the person and is kept.
_CODE = re.compile(r"^[a-z0-9_.:-]{1,40}$")


def tokens(values: Iterable[str | None]) -> list[str]:
    """The person's own values to look for, lower case (blank and one-letter ones dropped)."""
    return sorted({v.strip().lower() for v in values if v and len(v.strip()) > 1})


def mentions(text: str, found: Iterable[str]) -> bool:
    """Whether `text` contains any of `found` (lower-case tokens)."""
    lowered = text.lower()
    return any(token in lowered for token in found)


def scrub(value: Any, found: list[str], *, free_text: bool = False) -> Any:
    """`value` with every string about the person replaced by `ERASED` (see module docs)."""
    if isinstance(value, dict):
        return {
            key: scrub(item, found, free_text=free_text or str(key).lower() in FREE_TEXT_KEYS)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [scrub(item, found, free_text=free_text) for item in value]
    erase = isinstance(value, str) and (
        mentions(value, found) or (free_text and not _CODE.match(value))
    )
    return ERASED if erase else value
