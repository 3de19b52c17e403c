"""`/api/v1/messages`: list (cursor-paged, filtered), show with history, cancel before sending."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from assistant.api.app import create_app
from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.models import Customer, DraftState, Message
from tests.apikeys.helpers import make_key
from tests.campaigns.helpers import World, build, tick
from tests.delivery.factories import add_customer, add_draft
from tests.delivery.helpers import draft_state, outbox_lines, schedule

KEY = "messages-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}
PROBLEM = "application/problem+json"
URL = "/api/v1/messages"


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> World:
    return build(engine, tmp_path / "outbox")


@pytest.fixture
def client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("ASSISTANT_API_KEYS", KEY)
    get_settings.cache_clear()
    return TestClient(create_app(engine))


def _external_id(engine: Engine, message_id: int) -> str:
    with unit_of_work(engine) as session:
        message = session.get_one(Message, message_id)
        return session.get_one(Customer, message.customer_id).external_id


def _addresses(engine: Engine) -> list[str]:
    with unit_of_work(engine) as session:
        rows = session.execute(select(Customer.phone, Customer.email)).all()
    return [address for row in rows for address in row if address]


def _assert_masked(engine: Engine, text: str) -> None:
    for address in _addresses(engine):
        assert address not in text
    assert not re.search(r"\+\d{9,}", text)  # no whole phone number of anyone
    assert not re.search(r"[\w.]{2,}@example\.com", text)


def _email_message(engine: Engine, world: World) -> int:
    with unit_of_work(engine) as session:
        person = add_customer(session)
        draft_id = add_draft(session, person, channel="email", state=DraftState.APPROVED).id
    message_id = schedule(engine, draft_id, world.clock, world.rules)
    assert message_id is not None
    return message_id


def _inbound(engine: Engine, world: World) -> int:
    with unit_of_work(engine) as session:
        sender = session.get_one(Message, world.sent_message)
        phone = session.get_one(Customer, sender.customer_id).phone
        inbound = Message(
            customer_id=sender.customer_id,
            direction="inbound",
            channel="sms",
            kind="conversation",
            status="received",
            from_address=phone,
            body="Thanks! STOP sending me coupons? no, keep them",
        )
        session.add(inbound)
        session.flush()
        return inbound.id


def test_every_route_needs_a_review_key(client: TestClient, engine: Engine) -> None:
    ingest = {"Authorization": f"Bearer {make_key(engine, 'shop-sync', 'ingest')}"}
    for method, path in (("get", URL), ("get", f"{URL}/1"), ("post", f"{URL}/1/cancel")):
        response = client.request(method, path)
        assert response.status_code == 401 and response.headers["content-type"] == PROBLEM
        wrong = client.request(method, path, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        assert client.request(method, path, headers=ingest).status_code == 403


def test_list_is_newest_first_filtered_and_masked(
    client: TestClient, engine: Engine, world: World
) -> None:
    email = _email_message(engine, world)
    _inbound(engine, world)  # inbound messages are conversations', not in this list
    response = client.get(URL, headers=AUTH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [m["id"] for m in body["messages"]] == [
        email,
        world.scheduled_message,
        world.sent_message,
    ]
    assert body["next_cursor"] is None
    _assert_masked(engine, response.text)
    by_id = {m["id"]: m for m in body["messages"]}
    assert re.fullmatch(r"\+1415•••\d{4}", by_id[world.sent_message]["destination"])
    assert re.fullmatch(r"m•••@example\.com", by_id[email]["destination"])
    assert by_id[world.scheduled_message]["campaign_id"] == world.campaign_id

    def ids(**params: Any) -> list[int]:
        answer = client.get(URL, params=params, headers=AUTH)
        assert answer.status_code == 200, answer.text
        return [m["id"] for m in answer.json()["messages"]]

    assert ids(campaign_id=world.campaign_id) == [world.scheduled_message, world.sent_message]
    assert ids(status="scheduled", channel="sms") == [world.scheduled_message]
    assert ids(channel="email") == [email]
    assert ids(customer_id=_external_id(engine, world.sent_message)) == [world.sent_message]
    assert ids(status="delivered", channel="email") == []


def test_unknown_filters_are_404_and_bad_ones_422(client: TestClient, world: World) -> None:
    for params, detail in (
        ({"campaign_id": 9999}, "no campaign 9999"),
        ({"customer_id": "nobody"}, "no customer 'nobody'"),
    ):
        response = client.get(URL, params=params, headers=AUTH)
        assert response.status_code == 404 and response.headers["content-type"] == PROBLEM
        assert detail in response.json()["detail"]
    for params in (
        {"status": "sended"},
        {"channel": "fax"},
        {"limit": 0},
        {"cursor": "not-ours"},
        {"campaign_id": "x"},
    ):
        response = client.get(URL, params=params, headers=AUTH)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == PROBLEM


def test_paging_yields_every_message_once_even_when_new_ones_arrive(
    client: TestClient, engine: Engine, world: World
) -> None:
    made = [_email_message(engine, world) for _ in range(5)]
    expected = sorted([*made, world.scheduled_message, world.sent_message], reverse=True)
    first = client.get(URL, params={"limit": 3}, headers=AUTH).json()
    seen = [m["id"] for m in first["messages"]]
    late = _email_message(engine, world)  # newer than the cursor: not in this walk
    cursor, pages = first["next_cursor"], 1
    while cursor is not None:
        page = client.get(URL, params={"limit": 3, "cursor": cursor}, headers=AUTH).json()
        seen += [m["id"] for m in page["messages"]]
        cursor, pages = page["next_cursor"], pages + 1
    assert seen == expected and pages == 3
    assert late not in seen
    assert client.get(URL, params={"limit": 1}, headers=AUTH).json()["messages"][0]["id"] == late


def test_show_has_provider_id_attempts_history_and_masked_addresses(
    client: TestClient, engine: Engine, world: World
) -> None:
    response = client.get(f"{URL}/{world.sent_message}", headers=AUTH)
    assert response.status_code == 200, response.text
    shown = response.json()
    assert shown["direction"] == "outbound" and shown["state"] == "delivered"
    assert shown["provider_message_id"] and shown["attempts"] == 1
    assert shown["sent_at"] and shown["body"]
    assert [(h["action"], h["to_state"]) for h in shown["history"]] == [
        ("delivery.scheduled", "scheduled"),
        ("delivery.sent", "sent"),
        ("delivery.delivered", "delivered"),
    ]
    _assert_masked(engine, response.text)
    inbound = client.get(f"{URL}/{_inbound(engine, world)}", headers=AUTH)
    assert inbound.status_code == 200
    assert inbound.json()["direction"] == "inbound" and "•••" in inbound.json()["sender"]
    _assert_masked(engine, inbound.text)
    missing = client.get(f"{URL}/9999", headers=AUTH)
    assert missing.status_code == 404 and missing.json()["detail"] == "no message 9999"


def test_cancel_before_sending_is_idempotent_and_nothing_goes_out(
    client: TestClient, engine: Engine, world: World
) -> None:
    url = f"{URL}/{world.scheduled_message}/cancel"
    support = {"Authorization": f"Bearer {make_key(engine, 'support', 'review')}"}
    response = client.post(url, json={"reason": "wrong size in the text"}, headers=support)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["changed"] is True
    message = body["message"]
    assert (message["state"], message["reason"], message["detail"]) == (
        "cancelled",
        "staff_cancelled",
        "wrong size in the text",
    )
    assert message["history"][-1]["actor"] == "api:support"
    assert message["history"][-1]["to_state"] == "cancelled"
    _assert_masked(engine, response.text)
    assert draft_state(engine, world.scheduled) == DraftState.CANCELLED
    assert tick(engine, world) == {"sent": 1}  # the approved draft's, not the cancelled one
    keys = [line["idempotency_key"] for line in outbox_lines(world.outbox)]
    assert f"draft:{world.scheduled}" not in keys and len(keys) == 2

    again = client.post(url, headers=AUTH)
    assert again.status_code == 200 and again.json()["changed"] is False
    assert again.json()["message"]["detail"] == "wrong size in the text"


def test_cancel_after_sending_is_a_conflict(
    client: TestClient, engine: Engine, world: World
) -> None:
    sent = client.post(f"{URL}/{world.sent_message}/cancel", headers=AUTH)
    assert sent.status_code == 409 and sent.headers["content-type"] == PROBLEM
    assert "is delivered: it has gone to the provider" in sent.json()["detail"]
    inbound = client.post(f"{URL}/{_inbound(engine, world)}/cancel", headers=AUTH)
    assert inbound.status_code == 409 and "the customer sent" in inbound.json()["detail"]
    assert client.post(f"{URL}/9999/cancel", headers=AUTH).status_code == 404
    too_long = client.post(
        f"{URL}/{world.scheduled_message}/cancel", json={"reason": "x" * 501}, headers=AUTH
    )
    assert too_long.status_code == 422
    assert client.get(f"{URL}/{world.scheduled_message}", headers=AUTH).json()["state"] == (
        "scheduled"
    )
