"""The last line of defence for logs: mask addresses and secret shapes in any text.

Log calls carry ids, never personal data; this catches what slips through (an exception
message, a third-party library's line). Pure `re`, so it costs nothing to import.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

REDACTED = "[redacted]"

_PATTERNS = (
    # Secrets first, so a token containing digits is not half-masked as a phone number.
    re.compile(r"(?i)\bBearer\s+[A-Za-z0-9._~+/=-]+"),
    re.compile(r"\bxox[abposr]-[A-Za-z0-9-]+"),
    re.compile(r"\bxapp-[A-Za-z0-9-]+"),
    re.compile(r"\bsk-[A-Za-z0-9_-]{8,}"),
    re.compile(r"\bak_[A-Za-z0-9_-]{8,}"),
    # An unsubscribe link's token (`v1.<customer>.<channel>.<expiry>.<signature>`).
    re.compile(r"\bv\d+\.\d+\.[a-z]+\.\d+\.[A-Za-z0-9_-]{16,}"),
    # A Twilio auth token (and any other bare 32-hex secret); SIDs keep their AC/SM prefix.
    re.compile(r"\b[0-9a-fA-F]{32}\b"),
    re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"),
    # E.164-like: a plus and 8 to 15 digits, possibly grouped by spaces, dots or dashes.
    re.compile(r"\+\d(?:[\s.()-]?\d){7,14}"),
)


def redact_text(text: str) -> str:
    """`text` with phone numbers, email addresses and secret-shaped strings masked."""
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


def redact_value(value: Any) -> Any:
    """A log field, masked: strings directly, containers item by item, other values as is."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {key: redact_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value(item) for item in value]
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact_text(str(value))
