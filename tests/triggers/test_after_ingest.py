"""Records sent to the ingest API have the triggers evaluated for the customers they touched,
right after their commit: an order five days old puts a check-in in front of staff at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from assistant.api.app import create_app
from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.models import Campaign, Draft

KEY = "ingest-bootstrap-key-0123456789"


@pytest.fixture
def client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("ASSISTANT_API_KEYS", KEY)
    get_settings.cache_clear()
    with TestClient(create_app(engine), headers={"Authorization": f"Bearer {KEY}"}) as web:
        yield web


def _post(web: TestClient, kind: str, *records: dict[str, object]) -> None:
    response = web.post(f"/api/v1/ingest/{kind}", json={"records": list(records)})
    assert response.status_code == 200, response.text
    assert response.json()["rejected"] == 0, response.text


def _check_ins(engine: Engine) -> list[tuple[str, str | None]]:
    with unit_of_work(engine) as session:
        rows = session.execute(
            select(Draft.playbook, Campaign.trigger).join(
                Campaign, Campaign.id == Draft.campaign_id
            )
        )
        return [(playbook, trigger) for playbook, trigger in rows]


def test_an_ingested_order_five_days_old_queues_its_check_in_once(
    engine: Engine, client: TestClient
) -> None:
    zone = ZoneInfo(get_settings().app.brand_timezone)
    placed = datetime.combine(datetime.now(zone).date() - timedelta(days=5), time(12), zone)
    _post(client, "products", {"product_id": "P1", "name": "Cast Iron Skillet", "price": 40})
    _post(
        client,
        "customers",
        {"customer_id": "C1", "first_name": "Ana", "phone": "+14155550101", "sms_consent": True},
    )
    assert _check_ins(engine) == []  # a customer alone is no occasion
    order = {"order_id": "O1", "customer_id": "C1", "ordered_at": placed.isoformat(), "total": 40}
    _post(client, "orders", order)
    _post(client, "order_items", {"order_id": "O1", "product_id": "P1", "quantity": 1})
    assert _check_ins(engine) == [("check_in", "purchase")]
    _post(client, "orders", order)  # the same order sent again
    assert _check_ins(engine) == [("check_in", "purchase")]
