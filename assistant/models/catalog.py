"""Products, with relaunches and upgrade paths."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assistant.models.base import Base, BigId, Timestamped


class Product(Timestamped, Base):
    """A product the brand sells."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # How a message names it ("House Blend"); else derived from `name` when drafting.
    short_name: Mapped[str | None] = mapped_column(String(80))
    category: Mapped[str | None] = mapped_column(String(100))
    price: Mapped[Decimal | None]
    # Set when an improved version replaced the old one: drives re-engagement after returns.
    relaunched_at: Mapped[datetime | None]
    improvement_note: Mapped[str | None] = mapped_column(Text)
    # The better product to suggest to repeat buyers of this one.
    upgrade_product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL")
    )
