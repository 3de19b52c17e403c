"""Per-customer metrics: the numbers segments and drafting read (see docs/metrics.md)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, Float, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from assistant.models.base import Base, BigId


class CustomerMetrics(Base):
    """One row per customer, recomputed by `assistant metrics refresh` as of a day."""

    __tablename__ = "customer_metrics"
    __table_args__ = (
        Index(None, "rfm_label"),
        Index(None, "clv_12m"),
        Index(None, "last_order_at"),
        Index(None, "aov"),
    )

    # No foreign key on these derived tables: checking one per row doubled the time of writing
    # 1M rows on PostgreSQL, and every refresh rewrites them from the source tables anyway.
    customer_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
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


class CustomerOrderStats(Base):
    """Per-customer purchase aggregates that do not depend on the as-of day.

    Kept between refreshes so an incremental refresh recomputes only the customers whose
    orders, returns or profile changed (`MetricsPendingCustomer`), then derives every
    as-of-dependent metric (recency, scores, labels, CLV) from this narrow table.
    """

    __tablename__ = "customer_order_stats"

    customer_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    orders_count: Mapped[int]
    lifetime_spend: Mapped[Decimal]
    first_order_at: Mapped[datetime]
    last_order_at: Mapped[datetime]
    purchase_days: Mapped[int]
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    btyd_monetary: Mapped[Decimal]


class MetricsPendingCustomer(Base):
    """A customer whose data changed since the stats were computed (set by the import)."""

    __tablename__ = "metrics_pending_customers"

    customer_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)


class MetricsState(Base):
    """The one row saying what `customer_order_stats` holds: up to which day, in which zone."""

    __tablename__ = "metrics_state"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    stats_as_of: Mapped[date] = mapped_column(Date)
    brand_zone: Mapped[str] = mapped_column(String(64))
    refreshed_at: Mapped[datetime]
