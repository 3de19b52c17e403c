"""Per-customer metrics: the numbers segments and drafting read (see docs/metrics.md).

What a refresh stores does not depend on the day it describes, so a day passing rewrites
nothing: `customer_order_stats` (purchase aggregates), `customer_scores` (those plus the
RFM scores and label, which change only for customers whose values cross a score boundary)
and `customer_clv` (the predicted value, rewritten whole each refresh). `customer_metrics`
is a database view over them adding the as-of-dependent columns (recency, tenure, BTYD T)
against the refresh's day in `metrics_state`: read it, never write it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from assistant.models.base import Base, BigId, UTCDateTime

# Not in Base.metadata: a view, created by the migrations (alembic/versions/*_0023_*).
VIEWS = MetaData()


class CustomerMetrics(Base):
    """One row per customer as of the last refresh's day (the `customer_metrics` view)."""

    __table__ = Table(
        "customer_metrics",
        VIEWS,
        Column("customer_id", BigInteger, primary_key=True),
        Column("as_of", Date),
        Column("orders_count", Integer),
        Column("lifetime_spend", Numeric(12, 2)),
        Column("aov", Numeric(12, 2)),
        Column("first_order_at", UTCDateTime()),
        Column("last_order_at", UTCDateTime()),
        Column("recency_days", Integer),
        Column("tenure_days", Integer),
        Column("r_score", SmallInteger),
        Column("f_score", SmallInteger),
        Column("m_score", SmallInteger),
        Column("rfm_label", String(24)),
        Column("btyd_frequency", Integer),
        Column("btyd_recency", Float),
        Column("btyd_T", Float),
        Column("btyd_monetary", Numeric(12, 2)),
        Column("clv_12m", Numeric(12, 2)),
        Column("refreshed_at", UTCDateTime()),
    )

    customer_id: Mapped[int]
    as_of: Mapped[date]
    orders_count: Mapped[int]
    lifetime_spend: Mapped[Decimal]
    aov: Mapped[Decimal | None]
    first_order_at: Mapped[datetime | None]
    last_order_at: Mapped[datetime | None]
    recency_days: Mapped[int | None]
    tenure_days: Mapped[int | None]
    r_score: Mapped[int | None]
    f_score: Mapped[int | None]
    m_score: Mapped[int | None]
    rfm_label: Mapped[str]
    btyd_frequency: Mapped[int]
    btyd_recency: Mapped[float]
    btyd_T: Mapped[float]  # noqa: N815 - the contract's column name
    btyd_monetary: Mapped[Decimal]
    clv_12m: Mapped[Decimal | None]
    refreshed_at: Mapped[datetime]


class CustomerScores(Base):
    """What a refresh keeps per customer, buyers and prospects alike (none of it as-of-dependent).

    `first_day`/`last_day` are the first and last local purchase days, `since_day` the day
    tenure counts from (the customer's creation, else their first purchase day). The scores
    are ranks among buyers (docs/metrics.md), kept exact by rewriting only the customers whose
    values cross one of the boundaries recorded in `metrics_state.score_cuts`.
    """

    __tablename__ = "customer_scores"
    __table_args__ = (
        Index(None, "rfm_label"),
        Index(None, "aov"),
        Index(None, "last_order_at"),
        Index(None, "last_day"),
        Index(None, "since_local"),
    )

    # No foreign key on these derived tables: checking one per row doubled the time of writing
    # 1M rows on PostgreSQL, and a refresh rewrites them from the source tables anyway.
    customer_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    orders_count: Mapped[int]
    lifetime_spend: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    aov: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    first_order_at: Mapped[datetime | None]
    last_order_at: Mapped[datetime | None]
    first_day: Mapped[date | None] = mapped_column(Date)
    last_day: Mapped[date | None] = mapped_column(Date)
    since_day: Mapped[date | None] = mapped_column(Date)
    # The local day (customer's zone) of their creation, else of their first purchase.
    since_local: Mapped[date | None] = mapped_column(Date)
    r_score: Mapped[int | None] = mapped_column(SmallInteger)
    f_score: Mapped[int | None] = mapped_column(SmallInteger)
    m_score: Mapped[int | None] = mapped_column(SmallInteger)
    rfm_label: Mapped[str] = mapped_column(String(24))
    btyd_frequency: Mapped[int]
    btyd_recency: Mapped[float] = mapped_column(Float)
    btyd_monetary: Mapped[Decimal] = mapped_column(Numeric(12, 2))


class CustomerCLV(Base):
    """Each buyer's predicted 12-month value as of the last refresh's day."""

    __tablename__ = "customer_clv"
    __table_args__ = (Index(None, "clv_12m"),)

    customer_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    clv_12m: Mapped[Decimal] = mapped_column(Numeric(12, 2))


class ProductRepeat(Base):
    """A customer's latest local purchase days of one product (see metrics/repeats.py): the
    k-th most recent in `day<k>`, for products bought on at least two days."""

    __tablename__ = "product_repeats"
    __table_args__ = (Index(None, "day3"),)

    customer_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    product_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    day1: Mapped[date] = mapped_column(Date)
    day2: Mapped[date] = mapped_column(Date)
    day3: Mapped[date | None] = mapped_column(Date)
    day4: Mapped[date | None] = mapped_column(Date)
    day5: Mapped[date | None] = mapped_column(Date)


class CustomerOrderStats(Base):
    """Per-customer purchase aggregates that do not depend on the as-of day.

    Kept between refreshes so an incremental refresh recomputes only the customers whose
    orders, returns or profile changed (`MetricsPendingCustomer`). The score boundaries are
    read from its indexes.
    """

    __tablename__ = "customer_order_stats"
    __table_args__ = (
        Index(None, "last_day"),
        Index(None, "orders_count"),
        Index(None, "lifetime_spend"),
    )

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
    """The one row saying what the kept tables hold: as of which day, in which zone, with
    which score boundaries and which fitted CLV model."""

    __tablename__ = "metrics_state"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    stats_as_of: Mapped[date] = mapped_column(Date)
    brand_zone: Mapped[str] = mapped_column(String(64))
    refreshed_at: Mapped[datetime]
    score_cuts: Mapped[str | None] = mapped_column(Text)  # JSON: boundaries per score
    clv_model: Mapped[str | None] = mapped_column(Text)  # JSON: the fitted parameters
    clv_fitted_on: Mapped[date | None] = mapped_column(Date)
    # Customers recomputed since the fit: past a share of buyers, the next refresh refits.
    clv_changed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    customers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # rows kept
