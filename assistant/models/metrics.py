"""Per-customer metrics: the numbers segments and drafting read (see docs/metrics.md)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, Float, ForeignKey, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from assistant.models.base import Base


class CustomerMetrics(Base):
    """One row per customer, recomputed by `assistant metrics refresh` as of a day."""

    __tablename__ = "customer_metrics"
    __table_args__ = (
        Index(None, "rfm_label"),
        Index(None, "clv_12m"),
        Index(None, "last_order_at"),
    )

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    as_of: Mapped[date] = mapped_column(Date)
    orders_count: Mapped[int]
    lifetime_spend: Mapped[Decimal]
    aov: Mapped[Decimal | None]
    first_order_at: Mapped[datetime | None]
    last_order_at: Mapped[datetime | None]
    recency_days: Mapped[int | None]
    tenure_days: Mapped[int | None]
    r_score: Mapped[int | None] = mapped_column(SmallInteger)
    f_score: Mapped[int | None] = mapped_column(SmallInteger)
    m_score: Mapped[int | None] = mapped_column(SmallInteger)
    rfm_label: Mapped[str] = mapped_column(String(24))
    btyd_frequency: Mapped[int]
    btyd_recency: Mapped[float] = mapped_column(Float)
    btyd_T: Mapped[float] = mapped_column(Float)  # noqa: N815 - the contract's column name
    btyd_monetary: Mapped[Decimal]
    clv_12m: Mapped[Decimal | None]
    refreshed_at: Mapped[datetime]
