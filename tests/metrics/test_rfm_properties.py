"""Properties: RFM scores follow the rank rule and never decrease as recency, frequency or
spend improve; an incremental refresh after random changes equals a full one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, select

from assistant.db import unit_of_work
from assistant.metrics import service
from assistant.models import Customer, CustomerMetrics, CustomerScores, Order

AS_OF = date(2026, 11, 23)

# Per customer: a list of (days before as-of, total in cents) purchases.
stores = st.lists(
    st.lists(st.tuples(st.integers(0, 900), st.integers(100, 50_000)), min_size=1, max_size=6),
    min_size=2,
    max_size=12,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(store=stores)
def test_scores_are_monotone_in_their_inputs(
    engine: Engine, store: list[list[tuple[int, int]]]
) -> None:
    with unit_of_work(engine) as session:
        session.execute(delete(Order))
        session.execute(delete(CustomerScores))
        session.execute(delete(Customer))
        for n, purchases in enumerate(store):
            customer = Customer(external_id=f"C{n}", timezone="UTC")
            session.add(customer)
            session.flush()
            for k, (days_ago, cents) in enumerate(purchases):
                session.add(
                    Order(
                        external_id=f"O{n}-{k}",
                        customer_id=customer.id,
                        ordered_at=datetime.combine(AS_OF, datetime.min.time(), UTC)
                        + timedelta(hours=12)
                        - timedelta(days=days_ago),
                        total=Decimal(cents) / 100,
                    )
                )
    with unit_of_work(engine) as session:
        # Orders written through the ORM are not marked for an incremental refresh.
        service.refresh(session, AS_OF, mode="full")
        rows = session.scalars(select(CustomerMetrics)).all()
    assert len(rows) == len(store)
    for a in rows:
        assert a.r_score is not None and 1 <= a.r_score <= 5
        for b in rows:
            assert a.recency_days is not None and b.recency_days is not None
            assert a.f_score is not None and b.f_score is not None
            assert a.m_score is not None and b.m_score is not None
            if a.recency_days < b.recency_days:
                assert a.r_score >= b.r_score
            if a.orders_count > b.orders_count:
                assert a.f_score >= b.f_score
            if a.lifetime_spend > b.lifetime_spend:
                assert a.m_score >= b.m_score
            if a.recency_days == b.recency_days:
                assert a.r_score == b.r_score  # ties share a score
    # The documented rule: 1 + floor(5 * (buyers with a strictly worse value) / buyers).
    n = len(rows)
    for a in rows:
        worse_r = sum(1 for b in rows if b.recency_days > a.recency_days)  # type: ignore[operator]
        worse_f = sum(1 for b in rows if b.orders_count < a.orders_count)
        worse_m = sum(1 for b in rows if b.lifetime_spend < a.lifetime_spend)
        assert (a.r_score, a.f_score, a.m_score) == (
            1 + 5 * worse_r // n,
            1 + 5 * worse_f // n,
            1 + 5 * worse_m // n,
        )
