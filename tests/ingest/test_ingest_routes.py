"""`POST /api/v1/ingest/{kind}`: statuses, per-record errors, atomic, idempotency, scopes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text, update

from assistant.api.app import create_app
from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.ingest import repository
from assistant.ingest.records import ingest_records
from assistant.ingest.routes import CONSENT_SOURCE
from assistant.models import ConsentEvent, Customer, Event
from assistant.models.base import utcnow
from tests.apikeys.helpers import make_key
from tests.ingest.dbstate import snapshot
from tests.segments.run import members

BOOTSTRAP = "ingest-bootstrap-key-0123456789"
PROBLEM = "application/problem+json"
CUSTOMERS = [
    {"customer_id": "C1", "first_name": "Ana", "sms_consent": True},
    {"customer_id": "C2", "first_name": "Ben", "email": "ben@example.com"},
]
EVENTS = [
    {"customer_id": "C1", "kind": "added_to_cart", "occurred_at": "2026-12-06T10:00:00Z"},
    {"customer_id": "C2", "kind": "added_to_cart", "occurred_at": "2026-12-06T11:00:00Z"},
]


@pytest.fixture
def client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("ASSISTANT_API_KEYS", BOOTSTRAP)
    get_settings.cache_clear()
    with TestClient(create_app(engine)) as test_client:
        yield test_client


@pytest.fixture
def ingest_key(engine: Engine) -> dict[str, str]:
    return auth(make_key(engine, "shop-sync", "ingest"))


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def _data(engine: Engine) -> dict[str, Any]:
    """Every table but the keys (their last use changes) and the idempotency keys."""
    tables = snapshot(engine)
    return {k: v for k, v in tables.items() if k not in ("api_keys", "ingest_requests")}


def _events(engine: Engine) -> int:
    with unit_of_work(engine) as session:
        return int(session.scalar(select(func.count()).select_from(Event)) or 0)


def test_all_valid_records_give_the_report(client: TestClient, ingest_key: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/ingest/customers", json={"records": CUSTOMERS}, headers=ingest_key
    )

    assert response.status_code == 200, response.text
    assert response.json() == {
        "kind": "customers",
        "received": 2,
        "inserted": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "consent_kept_off": 0,
        "forgotten_skipped": 0,
        "errors": [],
    }


def test_partly_valid_batch_stores_the_valid_and_lists_the_rest(
    engine: Engine, client: TestClient, ingest_key: dict[str, str]
) -> None:
    records = [*CUSTOMERS, {"customer_id": "C3", "phone": "12"}, {"first_name": "No id"}]

    response = client.post(
        "/api/v1/ingest/customers", json={"records": records}, headers=ingest_key
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["inserted"], body["rejected"]) == (2, 2)
    assert body["errors"] == [
        {"index": 2, "field": "phone", "reason": "not a valid phone number for its country"},
        {"index": 3, "field": "customer_id", "reason": "required"},
    ]
    with unit_of_work(engine) as session:
        assert set(session.scalars(select(Customer.external_id))) == {"C1", "C2"}


def test_nothing_stored_is_a_422_problem_with_the_errors(
    engine: Engine, client: TestClient, ingest_key: dict[str, str]
) -> None:
    before = _data(engine)
    bad = [*CUSTOMERS, {"customer_id": "C3", "email": "nope"}]

    atomic = client.post(
        "/api/v1/ingest/customers?atomic=true", json={"records": bad}, headers=ingest_key
    )
    every_one = client.post(
        "/api/v1/ingest/orders", json={"records": [{"order_id": "O1"}]}, headers=ingest_key
    )

    body = _problem(atomic, 422)
    assert body["type"] == "urn:assistant:problem:records-refused"
    assert (body["received"], body["inserted"], body["rejected"]) == (3, 0, 1)
    assert [(e["index"], e["field"]) for e in body["errors"]] == [(2, "email")]
    assert "nothing was stored" in body["detail"]
    orders = _problem(every_one, 422)
    assert {e["field"] for e in orders["errors"]} == {"customer_id", "ordered_at", "total"}
    assert _data(engine) == before


def test_upsert_updates_by_external_id(
    engine: Engine, client: TestClient, ingest_key: dict[str, str]
) -> None:
    client.post("/api/v1/ingest/customers", json={"records": CUSTOMERS}, headers=ingest_key)

    changed = [{"customer_id": "C1", "first_name": "Anna"}, CUSTOMERS[1]]
    body = client.post(
        "/api/v1/ingest/customers", json={"records": changed}, headers=ingest_key
    ).json()

    assert (body["inserted"], body["updated"], body["unchanged"]) == (0, 1, 1)
    with unit_of_work(engine) as session:
        ana = session.scalars(select(Customer).where(Customer.external_id == "C1")).one()
        assert (ana.first_name, ana.sms_consent) == ("Anna", True)


def test_idempotency_key_replays_the_first_response_without_ingesting(
    engine: Engine, client: TestClient, ingest_key: dict[str, str]
) -> None:
    client.post("/api/v1/ingest/customers", json={"records": CUSTOMERS}, headers=ingest_key)
    headers = {**ingest_key, "Idempotency-Key": "batch-1"}
    records = [*EVENTS, {"customer_id": "C9", "kind": "x", "occurred_at": "2026-12-06"}]

    first = client.post("/api/v1/ingest/events", json={"records": records}, headers=headers)
    state = _data(engine)
    again = client.post("/api/v1/ingest/events", json={"records": records}, headers=headers)

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert first.json()["inserted"] == 2 and first.json()["rejected"] == 1
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _data(engine) == state
    # Without the key (or with another) the same events are new rows again: they have no id.
    client.post("/api/v1/ingest/events", json={"records": records}, headers=ingest_key)
    assert _events(engine) == 4


def test_refused_atomic_response_is_replayed_too(
    engine: Engine, client: TestClient, ingest_key: dict[str, str]
) -> None:
    headers = {**ingest_key, "Idempotency-Key": "atomic-1"}
    bad = [*CUSTOMERS, {"customer_id": "C3", "email": "nope"}]
    url = "/api/v1/ingest/customers?atomic=true"

    first = client.post(url, json={"records": bad}, headers=headers)
    again = client.post(url, json={"records": bad}, headers=headers)

    assert _problem(first, 422) == _problem(again, 422)
    assert again.headers["Idempotent-Replayed"] == "true"


def test_idempotency_key_with_another_body_is_refused(
    engine: Engine, client: TestClient, ingest_key: dict[str, str]
) -> None:
    headers = {**ingest_key, "Idempotency-Key": "batch-2"}
    client.post("/api/v1/ingest/customers", json={"records": CUSTOMERS}, headers=headers)
    state = _data(engine)

    other = client.post(
        "/api/v1/ingest/customers", json={"records": CUSTOMERS[:1]}, headers=headers
    )
    atomic = client.post(
        "/api/v1/ingest/customers?atomic=true", json={"records": CUSTOMERS}, headers=headers
    )

    for response in (other, atomic):
        body = _problem(response, 422)
        assert body["type"] == "urn:assistant:problem:idempotency-key-reused"
    assert _data(engine) == state


def test_an_expired_key_may_be_used_afresh(
    engine: Engine, client: TestClient, ingest_key: dict[str, str]
) -> None:
    client.post("/api/v1/ingest/customers", json={"records": CUSTOMERS}, headers=ingest_key)
    headers = {**ingest_key, "Idempotency-Key": "old"}
    client.post("/api/v1/ingest/events", json={"records": EVENTS}, headers=headers)
    with unit_of_work(engine) as session:
        session.execute(
            text("UPDATE ingest_requests SET created_at = :then"),
            {"then": utcnow() - repository.IDEMPOTENCY_TTL * 2},
        )

    response = client.post("/api/v1/ingest/events", json={"records": EVENTS}, headers=headers)

    assert response.json()["inserted"] == 2
    assert "Idempotent-Replayed" not in response.headers
    assert _events(engine) == 4


def test_a_retry_while_the_first_request_runs_waits_and_replays(
    engine: Engine, client: TestClient, ingest_key: dict[str, str]
) -> None:
    """The key is claimed before ingesting, in the same transaction: a concurrent retry
    waits on the claim and replays the response instead of ingesting a second time."""
    client.post("/api/v1/ingest/customers", json={"records": CUSTOMERS}, headers=ingest_key)
    body = {"records": EVENTS}
    headers = {**ingest_key, "Idempotency-Key": "slow-1"}
    caller = f"key:{_key_id(engine)}"
    answers: list[Any] = []

    with unit_of_work(engine, writes=True) as first:
        claimed = repository.claim(
            first,
            caller=caller,
            kind="events",
            key="slow-1",
            digest=repository.body_hash(EVENTS, False),
            now=utcnow(),
        )
        assert not isinstance(claimed, repository.StoredResponse)
        report = ingest_records(first, "events", EVENTS)
        retry = threading.Thread(
            target=lambda: answers.append(
                client.post("/api/v1/ingest/events", json=body, headers=headers)
            )
        )
        retry.start()
        _wait_until_blocked(engine, retry)
        stored = {"kind": "events", "inserted": report.inserted, "marker": "first"}
        repository.store_response(claimed, 200, stored)
    retry.join()

    assert answers[0].status_code == 200
    assert answers[0].json() == stored
    assert _events(engine) == 2


def _key_id(engine: Engine) -> int:
    with unit_of_work(engine) as session:
        return int(session.scalar(text("SELECT id FROM api_keys WHERE name = 'shop-sync'")))


def _wait_until_blocked(engine: Engine, thread: threading.Thread) -> None:
    """On PostgreSQL, until the retry waits on a lock (a bounded number of polls); SQLite's
    retry waits for the write lock (busy timeout) whenever it gets there."""
    if engine.dialect.name != "postgresql":
        return
    for _ in range(2000):
        with engine.connect() as connection:
            waiting = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query LIKE '%ingest_requests%'"
                )
            ).scalar_one()
        if waiting or not thread.is_alive():
            return
    raise AssertionError("the retry never waited on the claimed key")


def test_more_than_1000_records_are_refused_naming_the_limit(
    client: TestClient, ingest_key: dict[str, str]
) -> None:
    records = [{"customer_id": f"C{i}"} for i in range(1001)]

    body = _problem(
        client.post("/api/v1/ingest/customers", json={"records": records}, headers=ingest_key),
        422,
    )

    assert "1000" in body["errors"][0]["msg"]
    assert body["errors"][0]["loc"] == ["body", "records"]


def test_scope_and_kind_are_checked(
    engine: Engine, client: TestClient, ingest_key: dict[str, str]
) -> None:
    review = auth(make_key(engine, "reviewer", "review"))
    body = {"records": CUSTOMERS}

    _problem(client.post("/api/v1/ingest/customers", json=body), 401)
    _problem(client.post("/api/v1/ingest/customers", json=body, headers=review), 403)
    unknown = _problem(client.post("/api/v1/ingest/coupons", json=body, headers=ingest_key), 404)
    assert "events" in unknown["detail"]
    admin = client.post("/api/v1/ingest/customers", json=body, headers=auth(BOOTSTRAP))
    assert admin.status_code == 200


def test_consent_withdrawn_by_the_customer_is_not_regranted_over_the_api(
    engine: Engine, client: TestClient, ingest_key: dict[str, str]
) -> None:
    client.post("/api/v1/ingest/customers", json={"records": CUSTOMERS}, headers=ingest_key)
    with unit_of_work(engine) as session:
        session.execute(
            update(Customer)
            .where(Customer.external_id == "C1")
            .values(sms_consent=False, sms_consent_source="sms_keyword")
        )
    regrant = [
        {"customer_id": "C1", "sms_consent": True},
        {"customer_id": "C2", "email_consent": True},
    ]

    body = client.post(
        "/api/v1/ingest/customers", json={"records": regrant}, headers=ingest_key
    ).json()

    assert body["consent_kept_off"] == 1
    with unit_of_work(engine) as session:
        customers = {c.external_id: c for c in session.scalars(select(Customer))}
        assert not customers["C1"].sms_consent
        assert customers["C2"].email_consent_source == CONSENT_SOURCE == "api"
        sources = session.execute(
            select(ConsentEvent.channel, ConsentEvent.source).order_by(ConsentEvent.id)
        ).all()
        assert sources[-1] == ("email", "api")
        assert ("sms", "api") not in sources[1:]


def test_ingested_events_are_found_by_the_event_segment_leaf(
    engine: Engine, client: TestClient, ingest_key: dict[str, str]
) -> None:
    client.post("/api/v1/ingest/customers", json={"records": CUSTOMERS}, headers=ingest_key)
    client.post(
        "/api/v1/ingest/products",
        json={"records": [{"product_id": "P1", "name": "Blend"}]},
        headers=ingest_key,
    )
    events = [
        {**EVENTS[0], "event_id": "e-1", "product_id": "P1"},
        {**EVENTS[1], "event_id": "e-2", "occurred_at": "2026-10-01T10:00:00Z"},
    ]
    client.post("/api/v1/ingest/events", json={"records": events}, headers=ingest_key)

    found = members(
        engine,
        {"where": {"event": {"kind": "added_to_cart", "within_days": 7}}},
        as_of=date(2026, 12, 7),
    )

    assert set(found) == {"C1"}
    assert found["C1"]["event"]["product_id"] == "P1"


def test_a_full_batch_fits_the_body_limit_and_a_larger_body_does_not(
    client: TestClient, ingest_key: dict[str, str]
) -> None:
    """1,000 events with properties near their 4,096-character bound (about 4 MB) are read;
    a body over the path's 8 MiB is refused before it is parsed."""
    properties = {"note": "x" * 4000}
    records = [
        {
            "customer_id": "C404",
            "kind": "viewed_product",
            "occurred_at": "2026-12-01",
            "properties": properties,
        }
        for _ in range(1000)
    ]

    full = client.post("/api/v1/ingest/events", json={"records": records}, headers=ingest_key)
    larger = client.post(
        "/api/v1/ingest/events",
        content=b'{"records": [' + b" " * (8 * 1024 * 1024) + b"]}",
        headers={**ingest_key, "Content-Type": "application/json"},
    )

    body = _problem(full, 422)  # every record names an unknown customer
    assert body["type"] == "urn:assistant:problem:records-refused"
    assert body["rejected"] == 1000
    assert {e["reason"] for e in body["errors"]} == {"unknown customer 'C404'"}
    _problem(larger, 413)
