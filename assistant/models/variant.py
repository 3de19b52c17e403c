"""A/B variants of a playbook: which variant a person promoted to the only one assigned."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from assistant.models.base import Base, utcnow


class VariantPromotion(Base):
    """The winner of a playbook's test: every new draft of the playbook gets this variant
    until the promotion is removed (`assistant variants unpromote`)."""

    __tablename__ = "variant_promotions"

    playbook: Mapped[str] = mapped_column(String(32), primary_key=True)
    variant: Mapped[str] = mapped_column(String(40))
    promoted_by: Mapped[str] = mapped_column(String(100))
    promoted_at: Mapped[datetime] = mapped_column(default=utcnow)
