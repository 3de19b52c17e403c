"""Inbound SMS with data the phone library calls invalid, or malformed forms: never a 5xx.

A sender `phonenumbers` cannot validate (test ranges, short codes) is stored as given, and a
STOP from it still puts that exact address on the suppression list.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.delivery.schedule import schedule_draft
from assistant.drafting.brand import load_brand
from assistant.models import Message, Suppression
from assistant.models.inbound import UnmatchedInbound
from tests.conversations.helpers import PATH, inbound_params, post_inbound, sign
from tests.delivery.factories import add_customer, add_draft, policy

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
INVALID_SENDERS = ("+15559990000", "+447700900123", "+19999999999", "12345")


def _unmatched(engine: Engine) -> list[UnmatchedInbound]:
    with unit_of_work(engine) as session:
        return list(session.execute(select(UnmatchedInbound)).scalars())


def _suppressed(engine: Engine) -> list[str]:
    with unit_of_work(engine) as session:
        return list(session.execute(select(Suppression.address)).scalars())


@pytest.mark.parametrize("sender", INVALID_SENDERS)
def test_a_sender_the_phone_library_rejects_is_stored_as_given(
    engine: Engine, web: TestClient, sender: str
) -> None:
    params = inbound_params(sender, "Do you ship to Canada?")
    first, retry = post_inbound(web, params), post_inbound(web, params)
    for response in (first, retry):
        assert response.status_code == 200
        assert response.text == EMPTY_TWIML
    [row] = _unmatched(engine)
    assert (row.from_address, row.intent, row.body) == (sender, "message", "Do you ship to Canada?")
    assert _suppressed(engine) == []


@pytest.mark.parametrize("sender", INVALID_SENDERS)
def test_stop_from_such_a_sender_suppresses_that_exact_address(
    engine: Engine, web: TestClient, sender: str
) -> None:
    params = inbound_params(sender, "STOP")
    assert post_inbound(web, params).status_code == 200
    assert post_inbound(web, params).status_code == 200  # Twilio's retry: nothing new
    [row] = _unmatched(engine)
    assert (row.from_address, row.intent) == (sender, "opt_out")
    assert _suppressed(engine) == [sender]
    # A record that later carries this address (written by anything but the import) and
    # says it consented is still never texted.
    with unit_of_work(engine) as session:
        person = add_customer(session, phone=sender)
        draft = add_draft(session, person)
        message = schedule_draft(
            session, draft.id, now=datetime(2026, 12, 7, 15, tzinfo=UTC), policy=policy()
        )
        assert message is not None
        assert (message.status, message.error_code) == ("cancelled", "suppressed")
    # START from it lifts our suppression again.
    assert post_inbound(web, inbound_params(sender, "START")).status_code == 200
    assert _suppressed(engine) == []


@pytest.mark.parametrize("sender", INVALID_SENDERS)
def test_help_from_such_a_sender_gets_the_help_text(
    engine: Engine, web: TestClient, monkeypatch: pytest.MonkeyPatch, sender: str
) -> None:
    monkeypatch.setenv("ASSISTANT_SMS_KEYWORD_REPLIES", "app")
    get_settings.cache_clear()
    response = post_inbound(web, inbound_params(sender, "HELP"))
    assert response.status_code == 200
    assert escape(load_brand().help_text) in response.text
    [row] = _unmatched(engine)
    assert (row.from_address, row.intent, row.reply_body) == (
        sender,
        "help",
        load_brand().help_text,
    )
    assert _suppressed(engine) == []


def _post_raw(web: TestClient, body: bytes, params: dict[str, str]) -> Any:
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": sign(params),
    }
    return web.post(PATH, content=body, headers=headers)


@pytest.mark.parametrize("missing", ["From", "MessageSid"])
def test_a_form_without_sender_or_sid_is_a_problem_not_a_crash(
    engine: Engine, web: TestClient, missing: str
) -> None:
    params = inbound_params("+14155550100", "hello")
    del params[missing]
    if missing == "MessageSid":
        del params["SmsMessageSid"]
    response = post_inbound(web, params)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 400
    assert _unmatched(engine) == []


def test_a_missing_body_is_an_empty_message(engine: Engine, web: TestClient) -> None:
    params = inbound_params("+15559990000", "")
    del params["Body"]
    assert post_inbound(web, params).status_code == 200
    [row] = _unmatched(engine)
    assert row.body == ""


def test_an_absurdly_long_body_is_refused_with_413(engine: Engine, web: TestClient) -> None:
    response = post_inbound(web, inbound_params("+14155550100", "x" * 200_000))
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert _unmatched(engine) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("From", "+1" + "5" * 400), ("MessageSid", "SM" + "f" * 200), ("To", "9" * 400)],
)
def test_fields_longer_than_we_store_are_refused(
    engine: Engine, web: TestClient, field: str, value: str
) -> None:
    params = inbound_params("+14155550100", "hi")
    params[field] = value
    if field == "MessageSid":
        params["SmsMessageSid"] = value
    response = post_inbound(web, params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert _unmatched(engine) == []


def test_a_body_that_is_not_utf8_is_refused(engine: Engine, web: TestClient) -> None:
    params = inbound_params("+14155550100", "hi")
    raw = urlencode(params).encode().replace(b"Body=hi", b"Body=h\xffi")
    response = _post_raw(web, raw, params)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    with unit_of_work(engine) as session:
        stored = session.execute(select(func.count()).select_from(Message)).scalar_one()
    assert stored == 0 and _unmatched(engine) == []
