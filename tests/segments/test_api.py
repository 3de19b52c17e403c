"""`GET /api/v1/segments` and `GET /api/v1/segments/{name}/members` behind API keys."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.config import get_settings
from tests.segments.conftest import StoreDb

KEY = "test-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture
def client(store: StoreDb, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("ASSISTANT_API_KEYS", f"other-key, {KEY}")
    get_settings.cache_clear()
    return TestClient(create_app(store.engine))


def test_every_route_needs_an_api_key(client: TestClient) -> None:
    for path in ("/api/v1/segments", "/api/v1/segments/vip/members"):
        assert client.get(path).status_code == 401
        wrong = client.get(path, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401


def test_list_segments(client: TestClient) -> None:
    response = client.get("/api/v1/segments", headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert body["problems"] == []
    by_name = {s["name"]: s for s in body["segments"]}
    assert len(by_name) == 8
    assert by_name["product_fans"]["source"] == "builtin"
    assert by_name["product_fans"]["params"] == {"min_purchases": 3, "within_days": 90}
    assert "upgrade" in by_name["product_fans"]["description"]


def test_members_are_paged_by_cursor_in_a_stable_order_with_the_total(
    client: TestClient,
) -> None:
    url = "/api/v1/segments/recent_buyers_30d/members"
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 5}
        if cursor is not None:
            params["cursor"] = cursor
        response = client.get(url, params=params, headers=AUTH)
        assert response.status_code == 200
        body = response.json()
        assert body["total"] == 13 and body["as_of"] == "2026-11-20"
        seen += [m["customer_id"] for m in body["members"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 13
    # An id cursor of another list is not a members cursor.
    assert client.get(url, params={"cursor": "eyJhZnRlciI6NX0"}, headers=AUTH).status_code == 422
    first = client.get(url, params={"limit": 1}, headers=AUTH).json()["members"][0]
    assert first == {
        "customer_id": "C01",
        "first_name": "Ana",
        "qualifier": {
            "orders": {
                "order_id": "O01-1",
                "ordered_at": "2026-11-21T07:59:00Z",
                "total": "20.00",
                "orders_in_window": 1,
                "within_days": 30,
            }
        },
        "metrics": {
            "orders_count": 1,
            "lifetime_spend": "20.00",
            "aov": "20.00",
            "last_order_at": "2026-11-21T07:59:00Z",
            "recency_days": 0,
            "rfm_label": "new",
            "clv_12m": None,
        },
    }


def test_params_and_as_of_in_the_query(client: TestClient) -> None:
    response = client.get(
        "/api/v1/segments/recent_buyers_7d/members",
        params={"param": "days=14", "as_of": "2026-11-19"},
        headers=AUTH,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["params"] == {"days": 14}
    assert body["as_of"] == "2026-11-19"
    assert [m["customer_id"] for m in body["members"]] == ["C02", "C06", "C14", "C15", "C16", "C24"]


def test_unknown_segment_is_404_and_a_bad_param_422(client: TestClient) -> None:
    missing = client.get("/api/v1/segments/vips/members", headers=AUTH)
    assert missing.status_code == 404
    assert "unknown segment 'vips'" in missing.json()["detail"]
    bad = client.get(
        "/api/v1/segments/milestone/members", params={"param": "min_orders=ten"}, headers=AUTH
    )
    assert bad.status_code == 422
    assert [error["msg"] for error in bad.json()["errors"]] == [
        "where.any[1].milestone.orders: Input should be a valid integer (param min_orders='ten')"
    ]
    unknown = client.get(
        "/api/v1/segments/milestone/members", params={"param": "orders=1"}, headers=AUTH
    )
    assert unknown.status_code == 422
    assert "unknown param 'orders'" in unknown.json()["detail"]
    assert (
        client.get("/api/v1/segments/vip/members", params={"limit": 0}, headers=AUTH).status_code
        == 422
    )
