"""`/api/v1/segments`: list segments and page through a segment's members."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel

from assistant.api.deps import ReviewKey, SessionDep
from assistant.api.pagination import (
    CursorPage,
    CursorParam,
    LimitParam,
    decode_text_cursor,
    next_cursor,
)
from assistant.api.params import AsOfParam
from assistant.segments import service
from assistant.segments.definition import parse_params
from assistant.segments.errors import SegmentError, UnknownSegment
from assistant.segments.registry import load_catalog

router = APIRouter(prefix="/api/v1/segments", tags=["segments"])


class SegmentRead(BaseModel):
    """A segment as listed."""

    name: str
    description: str
    source: str
    params: dict[str, Any]


class SegmentList(BaseModel):
    """Every usable segment, and the problems of user files that are not usable."""

    segments: list[SegmentRead]
    problems: list[str]


class MemberRead(BaseModel):
    """A member with the row that qualified them and key metrics."""

    customer_id: str
    first_name: str | None
    qualifier: dict[str, Any]
    metrics: dict[str, Any]


class MembersPageRead(CursorPage):
    """One page of a segment's members, in customer-id order, with the total."""

    segment: str
    as_of: date
    params: dict[str, Any]
    total: int
    members: list[MemberRead]


@router.get("", response_model=SegmentList)
def list_segments(_key: ReviewKey) -> SegmentList:
    """Built-in and user segments."""
    catalog = load_catalog()
    infos = service.list_segments(catalog)
    return SegmentList(
        segments=[SegmentRead(**vars(info)) for info in infos], problems=catalog.problems
    )


@router.get("/{name}/members", response_model=MembersPageRead)
def segment_members(
    name: str,
    _key: ReviewKey,
    session: SessionDep,
    cursor: CursorParam = None,
    limit: LimitParam = 50,
    as_of: AsOfParam = None,
    param: Annotated[
        list[str] | None, Query(description="Override a threshold: NAME=VALUE (repeatable).")
    ] = None,
) -> MembersPageRead:
    """A page of the members of segment `name` in customer-id order (follow `next_cursor`);
    404 if unknown, 422 for a bad param."""
    after = decode_text_cursor(cursor)
    try:
        evaluation = service.evaluate(session, name, parse_params(param or []), as_of)
    except UnknownSegment as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except SegmentError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, exc.problems) from None
    result = service.members_page(session, evaluation, limit, after)
    return MembersPageRead(
        segment=result.segment,
        as_of=result.as_of,
        params=result.params,
        total=result.total,
        next_cursor=next_cursor(result.members, limit, key=lambda m: m.customer_id),
        members=[
            MemberRead(
                customer_id=m.customer_id,
                first_name=m.first_name,
                qualifier=m.qualifier,
                metrics=m.metrics,
            )
            for m in result.members
        ],
    )
