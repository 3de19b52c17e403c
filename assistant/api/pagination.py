"""Cursor pagination for `/api/v1` lists: opaque cursors over an ascending or descending key.

A list route takes `cursor` (from the previous page's `next_cursor`) and `limit`, and
answers `next_cursor` (None on the last page). A cursor is the last row's key, base64url
encoded; it survives rows added meanwhile, unlike an offset. A cursor that is not one of
ours is a 422 problem naming the parameter. Keys are integer ids (`decode_cursor`), or text
for lists ordered by a unique text column such as a customer's external id
(`decode_text_cursor`).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

from fastapi import HTTPException, Query, status
from pydantic import BaseModel

T = TypeVar("T")
MAX_LIMIT = 500
# The largest key a cursor may carry: what the tables' integer ids can hold.
MAX_KEY = 2**63 - 1
# The longest text key (customers.external_id holds 64 characters).
MAX_TEXT_KEY = 64
# A 64-character text key is at most 6 bytes a character in JSON (UTF-8, or a control
# character escaped); base64 adds a third.
MAX_CURSOR = 600

CursorParam = Annotated[
    str | None,
    Query(
        max_length=MAX_CURSOR,
        description="`next_cursor` from the previous page; omit for the first.",
    ),
]
LimitParam = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows per page.")]


class CursorPage(BaseModel):
    """The fields every cursor-paged answer carries besides its rows."""

    next_cursor: str | None = None


def encode_cursor(key: int | str) -> str:
    """The cursor that continues after the row whose key (id, or unique text) is `key`."""
    raw = json.dumps({"after": key}, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _key_of(cursor: str) -> Any:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value: Any = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return value["after"]
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        return None


def _foreign() -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        "`cursor` is not one this API gave: pass `next_cursor` from the previous page.",
    )


def decode_cursor(cursor: str | None) -> int | None:
    """The id to continue after, None for the first page; a 422 for a foreign cursor."""
    if cursor is None or cursor == "":
        return None
    key = _key_of(cursor)
    if not isinstance(key, int) or isinstance(key, bool) or not 0 <= key <= MAX_KEY:
        raise _foreign()
    return key


def decode_text_cursor(cursor: str | None) -> str | None:
    """The text key to continue after, None for the first page; a 422 for a foreign cursor
    (an id cursor of another list included)."""
    if cursor is None or cursor == "":
        return None
    key = _key_of(cursor)
    if not isinstance(key, str) or not 0 < len(key) <= MAX_TEXT_KEY:
        raise _foreign()
    return key


def next_cursor(rows: Sequence[T], limit: int, key: Any) -> str | None:
    """The cursor after the last of `rows` if the page is full (fetch `limit` rows);
    `key(row)` is the row's id, or its text key for `decode_text_cursor`."""
    if len(rows) < limit or not rows:
        return None
    last = key(rows[-1])
    return encode_cursor(last if isinstance(last, str) else int(last))
