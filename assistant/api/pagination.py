"""Cursor pagination for `/api/v1` lists: opaque cursors over an ascending or descending key.

A list route takes `cursor` (from the previous page's `next_cursor`) and `limit`, and
answers `next_cursor` (None on the last page). A cursor is the last row's key, base64url
encoded; it survives rows added meanwhile, unlike an offset. A cursor that is not one of
ours is a 422 problem naming the parameter.
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

CursorParam = Annotated[
    str | None,
    Query(max_length=200, description="`next_cursor` from the previous page; omit for the first."),
]
LimitParam = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows per page.")]


class CursorPage(BaseModel):
    """The fields every cursor-paged answer carries besides its rows."""

    next_cursor: str | None = None


def encode_cursor(key: int) -> str:
    """The cursor that continues after the row with id `key`."""
    raw = json.dumps({"after": key}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The id to continue after, None for the first page; a 422 for a foreign cursor."""
    if cursor is None or cursor == "":
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value: Any = json.loads(base64.urlsafe_b64decode(padded.encode()))
        key = value["after"]
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        key = None
    if not isinstance(key, int) or isinstance(key, bool) or not 0 <= key <= MAX_KEY:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "`cursor` is not one this API gave: pass `next_cursor` from the previous page.",
        )
    return key


def next_cursor(rows: Sequence[T], limit: int, key: Any) -> str | None:
    """The cursor after the last of `rows` if the page is full (fetch `limit` rows)."""
    if len(rows) < limit or not rows:
        return None
    return encode_cursor(int(key(rows[-1])))
