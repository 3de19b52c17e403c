"""The unit of work and the shared column types, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import StatementError

from assistant.db import redacted_url, unit_of_work
from assistant.models import Customer, Product


def test_unit_of_work_commits_once_at_the_end(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        session.add(Customer(external_id="C1", first_name="Ana"))
        session.flush()
    with unit_of_work(engine) as session:
        assert session.scalar(select(Customer.first_name)) == "Ana"


def test_unit_of_work_rolls_back_everything_on_error(engine: Engine) -> None:
    with pytest.raises(RuntimeError), unit_of_work(engine) as session:
        session.add(Customer(external_id="C1"))
        session.flush()
        raise RuntimeError("boom")
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 0


def test_timestamps_come_back_aware_in_utc_and_money_exact(engine: Engine) -> None:
    paris = timezone(timedelta(hours=1))
    with unit_of_work(engine) as session:
        session.add(
            Product(
                external_id="P1",
                name="Kettle",
                price=Decimal("129.99"),
                relaunched_at=datetime(2026, 3, 1, 9, 30, tzinfo=paris),
            )
        )
    with unit_of_work(engine) as session:
        product = session.scalars(select(Product)).one()
        assert product.relaunched_at == datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
        assert product.relaunched_at.tzinfo is not None
        assert product.relaunched_at.utcoffset() == timedelta(0)
        assert product.price == Decimal("129.99")
        assert product.created_at.tzinfo is not None


def test_naive_timestamps_are_refused(engine: Engine) -> None:
    with pytest.raises(StatementError, match="naive datetime"), unit_of_work(engine) as session:
        session.add(Product(external_id="P1", name="x", relaunched_at=datetime(2026, 1, 1)))
        session.flush()


def test_redacted_url_hides_the_password() -> None:
    shown = redacted_url("postgresql+psycopg://app:s3cret@db:5432/assistant")
    assert "s3cret" not in shown
    assert "app" in shown
