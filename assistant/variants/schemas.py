"""Variants over HTTP: the declared variants with their promotion, and a promotion made."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from assistant.variants.service import Listed


class VariantInfo(BaseModel):
    """One declared variant of a playbook."""

    name: str
    weight: float
    share: float = Field(description="Its share of new drafts (1 or 0 while one is promoted).")
    prompt: str = Field(description="The prompt template it drafts with.")
    instruction: str | None = Field(description="Brand-voice line appended to the system prompt.")
    description: str | None


class PlaybookVariantsRead(BaseModel):
    """A tested playbook: its variants and the promotion, if one stands."""

    playbook: str
    variants: list[VariantInfo]
    promoted: str | None
    promoted_by: str | None
    promoted_at: datetime | None
    promotion_ignored: bool = Field(
        description="The promoted variant is no longer declared: the test runs as declared."
    )

    @classmethod
    def of(cls, item: Listed) -> PlaybookVariantsRead:
        return cls.model_validate(item, from_attributes=True)


class VariantsList(BaseModel):
    """Every playbook declared in variants.yaml."""

    source: str | None = Field(description="The variants.yaml read (null: no file).")
    playbooks: list[PlaybookVariantsRead]


class PromoteBody(BaseModel):
    """The winner to promote."""

    variant: str = Field(min_length=1, max_length=40)
