"""`/api/v1/variants`: the A/B variants (review key), promoting a winner (review key, like
the other campaign decisions). Unknown playbook or variant, or a broken variants.yaml: 422."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status

from assistant.api.deps import ReviewKey, SessionDep, key_actor
from assistant.variants import service
from assistant.variants.config import (
    UnknownVariant,
    VariantsConfig,
    VariantsConfigError,
    load_variants,
)
from assistant.variants.schemas import PlaybookVariantsRead, PromoteBody, VariantsList

router = APIRouter(prefix="/api/v1/variants", tags=["variants"])
PlaybookName = Annotated[str, Path(min_length=1, max_length=32, description="A playbook.")]


def _config() -> VariantsConfig:
    try:
        return load_variants()
    except VariantsConfigError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None


@router.get("", response_model=VariantsList)
def list_variants(
    _key: ReviewKey,
    session: SessionDep,
    playbook: Annotated[
        str | None, Query(min_length=1, max_length=32, description="Only this playbook.")
    ] = None,
) -> VariantsList:
    """Each tested playbook's variants, weights, shares and promotion."""
    config = _config()
    try:
        listed = service.list_variants(session, playbook, config=config)
    except UnknownVariant as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    return VariantsList(
        source=str(config.path) if config.path else None,
        playbooks=[PlaybookVariantsRead.of(item) for item in listed],
    )


@router.post("/{playbook}/promote", response_model=PlaybookVariantsRead)
def promote_variant(
    playbook: PlaybookName, body: PromoteBody, key: ReviewKey, session: SessionDep
) -> PlaybookVariantsRead:
    """Make `variant` the only one new drafts of the playbook get."""
    config = _config()
    try:
        service.promote(session, playbook, body.variant, actor=key_actor(key).id, config=config)
        listed = service.list_variants(session, playbook, config=config)
    except UnknownVariant as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    return PlaybookVariantsRead.of(listed[0])


@router.post("/{playbook}/unpromote", response_model=PlaybookVariantsRead)
def unpromote_variant(
    playbook: PlaybookName, _key: ReviewKey, session: SessionDep
) -> PlaybookVariantsRead:
    """Resume the playbook's test: each customer gets their hashed variant again."""
    config = _config()
    try:
        service.unpromote(session, playbook, config=config)
        listed = service.list_variants(session, playbook, config=config)
    except UnknownVariant as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    return PlaybookVariantsRead.of(listed[0])
