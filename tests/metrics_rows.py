"""Give customers a `customer_metrics` row in tests, as a refresh would leave it.

`customer_metrics` is a view over the tables a refresh keeps (`customer_scores`,
`customer_clv`, `metrics_state`): this writes those, from the view's column values.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.models import CustomerCLV, CustomerScores, MetricsState
from assistant.models.base import utcnow


def add_metrics(
    session: Session,
    customer_id: int,
    *,
    as_of: date,
    orders_count: int = 0,
    lifetime_spend: Decimal = Decimal("0"),
    rfm_label: str = "no_purchases",
    aov: Decimal | None = None,
    first_order_at: datetime | None = None,
    last_order_at: datetime | None = None,
    recency_days: int | None = None,
    tenure_days: int | None = None,
    r_score: int | None = None,
    f_score: int | None = None,
    m_score: int | None = None,
    btyd_frequency: int = 0,
    btyd_recency: float = 0.0,
    btyd_T: float = 0.0,  # noqa: N803 - the view's column name
    btyd_monetary: Decimal = Decimal("0"),
    clv_12m: Decimal | None = None,
) -> None:
    """One customer's metrics row as of `as_of` (the one day every row of the view shares)."""
    state = session.scalars(select(MetricsState)).first()
    if state is None:
        session.add(MetricsState(id=1, stats_as_of=as_of, brand_zone="UTC", refreshed_at=utcnow()))
    bought = orders_count > 0
    session.add(
        CustomerScores(
            customer_id=customer_id,
            orders_count=orders_count,
            lifetime_spend=lifetime_spend,
            aov=aov,
            first_order_at=first_order_at,
            last_order_at=last_order_at,
            first_day=as_of - timedelta(days=int(btyd_T)) if bought else None,
            last_day=as_of - timedelta(days=recency_days)
            if recency_days is not None
            else (as_of if bought else None),
            since_day=as_of - timedelta(days=tenure_days) if tenure_days is not None else None,
            r_score=r_score,
            f_score=f_score,
            m_score=m_score,
            rfm_label=rfm_label,
            btyd_frequency=btyd_frequency,
            btyd_recency=btyd_recency,
            btyd_monetary=btyd_monetary,
        )
    )
    if clv_12m is not None:
        session.add(CustomerCLV(customer_id=customer_id, clv_12m=clv_12m))
    session.flush()
