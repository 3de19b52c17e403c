"""`/api/v1/prompts/examples`: the examples learned from staff edits (review scope).

Listing and removing need the review scope (what reviewers do); 404 an unknown id, 422 an
unknown playbook or channel. Removing is idempotent and sticks (docs/learning.md).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, status

from assistant.api.deps import ReviewKey, SessionDep, key_actor
from assistant.api.pagination import CursorParam, LimitParam, decode_cursor, next_cursor
from assistant.api.params import IdPath
from assistant.learning import service
from assistant.learning.schemas import ExampleRead, ExamplesPage
from assistant.models.base import utcnow

router = APIRouter(prefix="/api/v1/prompts/examples", tags=["prompts"])


@router.get("", response_model=ExamplesPage)
def list_examples(
    _key: ReviewKey,
    session: SessionDep,
    playbook: Annotated[
        str | None, Query(max_length=32, description="Only this playbook's examples.")
    ] = None,
    channel: Annotated[
        Literal["sms", "email"] | None, Query(description="Only this channel's.")
    ] = None,
    removed: Annotated[bool, Query(description="Include removed examples.")] = False,
    cursor: CursorParam = None,
    limit: LimitParam = 50,
) -> ExamplesPage:
    """Learned examples, newest first: anonymised approved edits per playbook and channel."""
    try:
        rows = service.listing(
            session,
            playbook=playbook,
            channel=channel,
            removed=removed,
            limit=limit,
            before=decode_cursor(cursor),
        )
    except service.BadExampleInput as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    return ExamplesPage(
        examples=[ExampleRead.model_validate(service.describe(row)) for row in rows],
        next_cursor=next_cursor(rows, limit, lambda row: row.id),
    )


@router.delete("/{example_id}", response_model=ExampleRead)
def remove_example(example_id: IdPath, key: ReviewKey, session: SessionDep) -> ExampleRead:
    """Stop using an example (idempotent); the same edit is never learned again."""
    try:
        removal = service.remove(session, example_id, actor=key_actor(key).id, now=utcnow())
    except service.ExampleNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    return ExampleRead.model_validate(service.describe(removal.row))
