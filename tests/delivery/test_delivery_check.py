"""`assistant delivery check` and GET /api/v1/customers/{id}/delivery-check: why it waits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.api.app import create_app
from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.models import Message
from tests.apikeys.helpers import make_key
from tests.clitools import invoke
from tests.delivery.factories import add_customer

# Tuesday 8 December 2026, 11:00 in New York; Sunday 6 December, 11:00 in Paris.
WEEKDAY = "2026-12-08T16:00:00Z"
PARIS_SUNDAY = "2026-12-06T11:00:00+01:00"
PROBLEM = "application/problem+json"


def _customer(engine: Engine, **fields: Any) -> str:
    with unit_of_work(engine) as session:
        return add_customer(session, **fields).external_id


def _check(*args: str) -> tuple[int, dict[str, Any]]:
    result = invoke("delivery", "check", *args)
    return result.exit_code, json.loads(result.stdout) if result.exit_code < 2 else {}


def _codes(answer: dict[str, Any]) -> list[str]:
    return [reason["code"] for reason in answer["reasons"]]


def test_allowed_now_exits_zero(engine: Engine) -> None:
    customer = _customer(engine, phone="+14155550101")
    code, answer = _check(customer, "--channel", "sms", "--at", WEEKDAY)
    assert code == 0
    assert answer["allowed"] is True and answer["reasons"] == []
    assert answer["next_allowed_at"] == "2026-12-08T16:00:00+00:00"
    assert (answer["zone"], answer["country"], answer["state"]) == ("America/New_York", "US", "CA")


def test_france_on_a_sunday_waits_until_monday(engine: Engine) -> None:
    customer = _customer(engine, phone="+33612345601", timezone="Europe/Paris")
    code, answer = _check(customer, "--channel", "sms", "--at", PARIS_SUNDAY)
    assert code == 1 and answer["allowed"] is False
    assert _codes(answer) == ["sunday:FR"]
    assert "Sundays" in answer["reasons"][0]["text"]
    assert answer["next_allowed_at"] == "2026-12-07T08:00:00+00:00"  # Monday 09:00 in Paris
    code, by_email = _check(customer, "--channel", "email", "--at", PARIS_SUNDAY)
    assert code == 0 and by_email["allowed"] is True


def test_florida_before_eight_names_the_state_rule(engine: Engine) -> None:
    customer = _customer(engine, phone="+13055550102")
    code, answer = _check(customer, "--at", "2026-12-08T07:30:00-05:00")
    assert code == 1
    assert _codes(answer) == [
        "quiet_hours:09:00-20:00",
        "state_window:FL 08:00-20:00",
        "country_window:US 08:00-21:00",
    ]
    assert answer["next_allowed_at"] == "2026-12-08T14:00:00+00:00"


def test_missing_consent_has_no_next_moment(engine: Engine) -> None:
    customer = _customer(engine, sms_consent=False, sms_consent_source=None)
    code, answer = _check(customer, "--at", WEEKDAY)
    assert code == 1
    assert _codes(answer) == ["no_consent"] and answer["next_allowed_at"] is None


def test_a_recent_message_waits_for_the_cap(engine: Engine) -> None:
    sent_at = datetime(2026, 12, 8, 14, 0, tzinfo=UTC)
    with unit_of_work(engine) as session:
        customer = add_customer(session, phone="+14155550103")
        session.add(
            Message(
                idempotency_key="recent",
                customer_id=customer.id,
                direction="outbound",
                channel="sms",
                kind="marketing",
                status="delivered",
                sent_at=sent_at,
            )
        )
        external_id = customer.external_id
    code, answer = _check(external_id, "--at", WEEKDAY)
    assert code == 1 and _codes(answer) == ["frequency_cap"]
    assert answer["next_allowed_at"] == (sent_at + timedelta(days=7)).isoformat()


@pytest.mark.parametrize(
    "args,message",
    [
        (["--at", "2026-12-08T10:00:00"], "has no UTC offset"),
        (["--at", "tomorrow"], "is not an ISO 8601 date-time"),
        (["--channel", "pigeon"], "unknown channel 'pigeon'"),
    ],
)
def test_mistakes_are_one_line_exit_two(engine: Engine, args: list[str], message: str) -> None:
    result = invoke("delivery", "check", _customer(engine), *args)
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_unknown_customer_is_exit_two(engine: Engine) -> None:
    result = invoke("delivery", "check", "nobody")
    assert result.exit_code == 2 and "no customer 'nobody'" in result.output


@pytest.fixture
def client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("ASSISTANT_API_KEYS", "bootstrap-key-0123456789")
    get_settings.cache_clear()
    return TestClient(create_app(engine))


def test_the_api_gives_the_same_answer(engine: Engine, client: TestClient) -> None:
    customer = _customer(engine, phone="+33612345602", timezone="Europe/Paris")
    auth = {"Authorization": f"Bearer {make_key(engine, 'support', 'review')}"}
    url = f"/api/v1/customers/{customer}/delivery-check"
    response = client.get(url, params={"channel": "sms", "at": PARIS_SUNDAY}, headers=auth)
    assert response.status_code == 200, response.text
    _, printed = _check(customer, "--channel", "sms", "--at", PARIS_SUNDAY)
    body = response.json()
    assert body["allowed"] is False and body["reasons"] == printed["reasons"]
    assert datetime.fromisoformat(body["next_allowed_at"]) == datetime.fromisoformat(
        printed["next_allowed_at"]
    )
    naive = client.get(url, params={"at": "2026-12-06T11:00:00"}, headers=auth)
    assert naive.status_code == 422 and naive.headers["content-type"].startswith(PROBLEM)
    missing = client.get("/api/v1/customers/nobody/delivery-check", headers=auth)
    assert missing.status_code == 404 and missing.headers["content-type"].startswith(PROBLEM)
    assert client.get(url).status_code == 401
