"""`POST /webhooks/twilio/status`: signed by Twilio's own RequestValidator, order-safe."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from twilio.request_validator import RequestValidator

from assistant.api.app import create_app
from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.models import AuditEntry, DraftState, Message
from tests.delivery.factories import add_customer, add_draft
from tests.delivery.helpers import draft_state, message

TOKEN = "twilio-test-auth-token"
PUBLIC = "https://assistant.example.com"
PATH = "/webhooks/twilio/status"


@pytest.fixture
def client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("ASSISTANT_PUBLIC_URL", PUBLIC + "/")
    get_settings.cache_clear()
    with TestClient(create_app(engine)) as test_client:
        yield test_client


def _sent_message(engine: Engine, sid: str) -> tuple[int, int]:
    with unit_of_work(engine) as session:
        draft = add_draft(session, add_customer(session), state=DraftState.SENT)
        row = Message(
            idempotency_key=f"draft:{draft.id}",
            provider_message_id=sid,
            customer_id=draft.customer_id,
            draft_id=draft.id,
            direction="outbound",
            channel="sms",
            kind="marketing",
            status="sent",
            body=draft.body,
            attempts=1,
        )
        session.add(row)
        session.flush()
        return row.id, draft.id


def _post(
    client: TestClient,
    params: dict[str, str],
    *,
    query: str = "",
    token: str = TOKEN,
    signature: str | None = None,
) -> int:
    url = PUBLIC + PATH + (f"?{query}" if query else "")
    signed = RequestValidator(token).compute_signature(url, params)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature != "":
        headers["X-Twilio-Signature"] = signature or signed
    response = client.post(
        PATH + (f"?{query}" if query else ""), content=urlencode(params), headers=headers
    )
    return response.status_code


def _callback(sid: str, status: str, **extra: str) -> dict[str, str]:
    return {
        "AccountSid": "AC" + "0" * 32,
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": status,
        "SmsStatus": status,
        "To": "+14155550100",
        "From": "+14155550199",
        "ApiVersion": "2010-04-01",
        **extra,
    }


def test_refuses_unsigned_and_wrongly_signed_callbacks(engine: Engine, client: TestClient) -> None:
    message_id, _ = _sent_message(engine, "SM" + "1" * 32)
    params = _callback("SM" + "1" * 32, "delivered")
    assert _post(client, params, signature="") == 403
    assert _post(client, params, signature="bm90IGEgc2lnbmF0dXJl") == 403
    assert _post(client, params, token="another-accounts-token") == 403
    tampered = dict(params, MessageStatus="failed")
    signed_for_delivered = RequestValidator(TOKEN).compute_signature(PUBLIC + PATH, params)
    assert _post(client, tampered, signature=signed_for_delivered) == 403
    assert message(engine, message_id).status == "sent"


def test_refuses_everything_without_an_auth_token(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_PUBLIC_URL", PUBLIC)
    get_settings.cache_clear()
    with TestClient(create_app(engine)) as bare:
        assert _post(bare, _callback("SM" + "2" * 32, "delivered")) == 403


def test_delivered_then_duplicates_and_late_callbacks_change_nothing(
    engine: Engine, client: TestClient
) -> None:
    sid = "SM" + "3" * 32
    message_id, draft_id = _sent_message(engine, sid)
    assert _post(client, _callback(sid, "sent")) == 200
    assert message(engine, message_id).provider_status == "sent"
    assert _post(client, _callback(sid, "delivered")) == 200
    delivered = message(engine, message_id)
    assert (delivered.status, delivered.provider_status) == ("delivered", "delivered")
    assert delivered.delivered_at is not None
    assert draft_state(engine, draft_id) == DraftState.DELIVERED
    with unit_of_work(engine) as session:
        audits = session.scalar(select(func.count()).select_from(AuditEntry))
    for late in ("delivered", "sent", "queued", "sending", "failed", "undelivered"):
        assert _post(client, _callback(sid, late)) == 200
    after = message(engine, message_id)
    assert (after.status, after.provider_status, after.error_code) == (
        "delivered",
        "delivered",
        None,
    )
    assert draft_state(engine, draft_id) == DraftState.DELIVERED
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == audits


def test_out_of_order_terminal_first_never_regresses(engine: Engine, client: TestClient) -> None:
    sid = "SM" + "4" * 32
    message_id, draft_id = _sent_message(engine, sid)
    params = _callback(sid, "undelivered", ErrorCode="30003", ErrorMessage="Unreachable handset")
    assert _post(client, params) == 200
    for early in ("queued", "sent"):
        assert _post(client, _callback(sid, early)) == 200
    failed = message(engine, message_id)
    assert (failed.status, failed.provider_status, failed.error_code) == (
        "undelivered",
        "undelivered",
        "30003",
    )
    assert failed.error_message == "Unreachable handset"
    assert draft_state(engine, draft_id) == DraftState.FAILED


def test_query_string_is_part_of_the_signed_url(engine: Engine, client: TestClient) -> None:
    sid = "SM" + "5" * 32
    message_id, _ = _sent_message(engine, sid)
    assert _post(client, _callback(sid, "sent"), query="brand=ember&v=2") == 200
    assert message(engine, message_id).provider_status == "sent"


def test_unknown_messages_and_statuses_are_acknowledged(engine: Engine, client: TestClient) -> None:
    assert _post(client, _callback("SM" + "6" * 32, "delivered")) == 200
    sid = "SM" + "7" * 32
    message_id, _ = _sent_message(engine, sid)
    assert _post(client, _callback(sid, "teleported")) == 200
    assert message(engine, message_id).status == "sent"
    assert _post(client, {"AccountSid": "AC1"}) == 400


def test_bad_data_is_a_4xx_problem_never_a_5xx(engine: Engine, client: TestClient) -> None:
    sid = "SM" + "8" * 32
    message_id, _ = _sent_message(engine, sid)
    failed = dict(_callback(sid, "failed"), ErrorCode="3" * 40)
    assert _post(client, failed) == 422  # longer than the column: refused, not a crash
    assert _post(client, _callback("SM" + "9" * 100, "delivered")) == 422
    assert _post(client, dict(_callback(sid, "sent"), Pad="x" * 70_000)) == 413
    assert message(engine, message_id).status == "sent"
    assert _post(client, dict(failed, ErrorCode="30008")) == 200
    assert message(engine, message_id).error_code == "30008"
