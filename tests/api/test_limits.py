"""Hostile requests: oversized bodies, wrong content types and out-of-range parameters are
4xx problem documents, answered before any parsing, signature or database work."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.api.app import create_app
from assistant.api.limits import WEBHOOK_MAX_BYTES, limit_for
from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.models import Campaign

KEY = "limits-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}
PROBLEM = "application/problem+json"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("ASSISTANT_API_KEYS", KEY)
    monkeypatch.setenv("ASSISTANT_MAX_BODY_BYTES", str(64 * 1024))
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "t" * 32)
    get_settings.cache_clear()
    with TestClient(create_app(engine), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def app(client: TestClient) -> Any:
    return client.app


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


class _Stream:
    """A body sent straight to the ASGI app in chunks, counting how many it pulled."""

    def __init__(self, chunks: int, size: int = 16 * 1024) -> None:
        self.chunks, self.size, self.pulled = chunks, size, 0

    async def receive(self) -> dict[str, Any]:
        if self.pulled >= self.chunks:
            return {"type": "http.disconnect"}
        self.pulled += 1
        more = self.pulled < self.chunks
        return {"type": "http.request", "body": b"a" * self.size, "more_body": more}


def _post(
    app: Any, path: str, stream: _Stream, headers: dict[str, str]
) -> tuple[int, dict[str, str], dict[str, Any]]:
    """POST `stream` to the ASGI `app` as a server would, without a client reading it first."""
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        "state": {},
    }
    asyncio.run(app(scope, stream.receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    response_headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], response_headers, json.loads(body)


def test_limits_by_path(monkeypatch: pytest.MonkeyPatch) -> None:
    assert limit_for("/webhooks/twilio/sms") == limit_for("/webhooks/twilio/status") == 64 * 1024
    assert limit_for("/slack/events") == 1024 * 1024
    assert limit_for("/api/v1/campaigns") == 2 * 1024 * 1024  # the default
    monkeypatch.setenv("ASSISTANT_MAX_BODY_BYTES", "4096")
    get_settings.cache_clear()
    assert limit_for("/api/v1/campaigns") == 4096
    assert limit_for("/unsubscribe/abc") == 64 * 1024


@pytest.mark.parametrize("path", ["/webhooks/twilio/sms", "/webhooks/twilio/status"])
def test_an_unsigned_declared_huge_webhook_is_413_unread(app: Any, path: str) -> None:
    stream = _Stream(3200)  # 50 MiB, announced by Content-Length
    headers = {**FORM, "Content-Length": str(3200 * 16 * 1024)}
    status, response_headers, body = _post(app, path, stream, headers)
    assert (status, response_headers["content-type"], body["status"]) == (413, PROBLEM, 413)
    assert stream.pulled == 0  # refused on the header, not after reading the body


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/webhooks/twilio/sms", FORM),
        ("/api/v1/campaigns", {**AUTH, "Content-Type": "application/json"}),
        ("/unsubscribe/some-token", FORM),
    ],
)
def test_a_chunked_body_is_refused_once_it_passes_the_limit(
    app: Any, path: str, headers: dict[str, str]
) -> None:
    stream = _Stream(3200)  # 50 MiB with no Content-Length
    status, response_headers, body = _post(app, path, stream, headers)
    assert (status, response_headers["content-type"], body["status"]) == (413, PROBLEM, 413)
    assert stream.pulled * stream.size <= limit_for(path) + stream.size


def test_a_body_within_the_limit_reaches_the_route(client: TestClient) -> None:
    small = "Body=hi&From=%2B15005550001&MessageSid=SM1"
    assert len(small) < WEBHOOK_MAX_BYTES
    # Unsigned: the route itself refuses it (403), so the limit did not get in the way.
    assert client.post("/webhooks/twilio/sms", content=small, headers=FORM).status_code == 403


def test_a_garbled_content_length_is_400(client: TestClient) -> None:
    response = client.post(
        "/webhooks/twilio/sms", content=b"x", headers={**FORM, "Content-Length": "12abc"}
    )
    _problem(response, 400)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_json_api_body_of_another_type_is_415(
    client: TestClient, content_type: str | None
) -> None:
    headers = dict(AUTH)
    if content_type:
        headers["Content-Type"] = content_type
    response = client.post("/api/v1/campaigns", content=b'{"playbook": "upsell"}', headers=headers)
    assert "application/json" in _problem(response, 415)["detail"]


def test_invalid_json_of_the_right_type_stays_422(client: TestClient) -> None:
    headers = {**AUTH, "Content-Type": "application/json"}
    _problem(client.post("/api/v1/campaigns", content=b'{"playbook": 3', headers=headers), 422)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/campaigns/99999999999999999999", ["path", "campaign_id"]),
        ("/api/v1/campaigns/9223372036854775808/drafts", ["path", "campaign_id"]),
        ("/api/v1/messages/99999999999999999999", ["path", "message_id"]),
        ("/api/v1/messages?campaign_id=99999999999999999999", ["query", "campaign_id"]),
        ("/api/v1/conversations/99999999999999999999", ["path", "conversation_id"]),
        ("/api/v1/campaigns/1/drafts?limit=100000000000000000000", ["query", "limit"]),
        ("/api/v1/segments/recent_buyers_30d/members?as_of=0001-01-01", ["query", "as_of"]),
        ("/api/v1/segments/recent_buyers_30d/members?as_of=9999-12-31", ["query", "as_of"]),
    ],
)
def test_out_of_range_numbers_and_days_are_422_naming_the_field(
    client: TestClient, path: str, field: list[str]
) -> None:
    body = _problem(client.get(path, headers=AUTH), 422)
    assert [error["loc"] for error in body["errors"]] == [field]


def test_the_largest_id_is_merely_not_found(client: TestClient) -> None:
    _problem(client.get(f"/api/v1/campaigns/{2**63 - 1}", headers=AUTH), 404)


@pytest.mark.parametrize("external_id", ["C1%00", "%1B%5B31m", "x" * 300])
def test_a_customer_id_with_control_characters_or_too_long_is_422(
    client: TestClient, external_id: str
) -> None:
    body = _problem(client.get(f"/api/v1/customers/{external_id}/consent", headers=AUTH), 422)
    assert [error["loc"] for error in body["errors"]] == [["path", "external_id"]]


def test_a_cancel_reason_is_stored_without_control_characters(
    client: TestClient, engine: Engine
) -> None:
    with unit_of_work(engine) as session:
        campaign = Campaign(name="c", playbook="upsell", segment="x", channel="sms")
        session.add(campaign)
        session.flush()
        campaign_id = campaign.id
    response = client.post(
        f"/api/v1/campaigns/{campaign_id}/cancel",
        content='{"reason": "wrong\\u0000 segment\\u001b"}',
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    with unit_of_work(engine) as session:
        options = session.get_one(Campaign, campaign_id).options
    assert options["cancelled"]["reason"] == "wrong segment"
