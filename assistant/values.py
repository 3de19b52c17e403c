"""Plain, JSON-ready renderings of database values, shared by exports and the API, and the
one cleaning of text that customers (or anyone outside) control, before it is stored."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator

# C0 control characters (and DEL) but tab and newline; a carriage return becomes a newline.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_RETURNS = re.compile("\r\n?")
TRUNCATED = " [truncated]"
# What a spreadsheet reads as the start of a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def plain(value: Any) -> Any:
    """A JSON-ready value: ISO timestamps in UTC with Z, money as text with two decimals."""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def clean_text(value: str) -> str:
    """`value` without NUL and other control characters (tab and newline kept, CR/CRLF made
    newlines): PostgreSQL refuses NUL in text, and the others only garble or hide text.

    Used on everything from outside before it is stored: inbound SMS, import cells, API
    bodies.
    """
    if value.isprintable():  # the common case, no copy
        return value
    return _CONTROLS.sub("", _RETURNS.sub("\n", value))


def bounded_text(value: str, limit: int) -> tuple[str, bool]:
    """`clean_text(value)` cut to `limit` characters (plus a visible TRUNCATED mark when cut),
    and whether it was cut."""
    cleaned = clean_text(value)
    if len(cleaned) <= limit:
        return cleaned, False
    return cleaned[:limit] + TRUNCATED, True


# A request body's free-text field, cleaned as it is parsed.
CleanText = Annotated[str, AfterValidator(clean_text)]


def spreadsheet_safe(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text, never runs: text starting with = + - @, a tab
    or a CR gets a leading apostrophe. Numbers stay numbers: non-text values, and text that
    is exactly a number (money as "-5.00"), are written unchanged, since no formula is one.

    Every CSV export goes through this (`spreadsheet_row`). Files meant to be imported again
    (an import's rejects, the demo store) are not exports and keep their text as it was.
    """
    if (
        isinstance(value, str)
        and value.startswith(_FORMULA_STARTS)
        and not _NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def spreadsheet_row(values: Any) -> list[Any]:
    """`spreadsheet_safe` applied to every cell of a row."""
    return [spreadsheet_safe(value) for value in values]
