"""`POST /webhooks/twilio/sms`: signed, stored once, joined to the conversation, suggested."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from assistant.db import unit_of_work
from assistant.models import DraftState, Message
from assistant.models.inbound import UnmatchedInbound
from tests.conversations.helpers import (
    PATH,
    PUBLIC,
    conversations,
    drafts,
    inbound_params,
    messages,
    post_inbound,
    seed_outreach,
    sign,
    text_from,
)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def _stored(engine: Engine) -> int:
    with unit_of_work(engine) as session:
        inbound = session.execute(
            select(func.count()).select_from(Message).where(Message.direction == "inbound")
        ).scalar_one()
        unmatched = session.execute(select(func.count()).select_from(UnmatchedInbound)).scalar_one()
        return int(inbound) + int(unmatched)


def test_unsigned_or_tampered_requests_get_403_and_nothing_is_stored(
    engine: Engine, web: TestClient
) -> None:
    seeded = seed_outreach(engine)
    params = inbound_params(seeded.phone, "Is the skillet oven safe?")
    assert post_inbound(web, params, unsigned=True).status_code == 403
    assert post_inbound(web, params, signature="bm90IGEgc2lnbmF0dXJl").status_code == 403
    assert post_inbound(web, params, signature=sign(params, token="other")).status_code == 403
    tampered = dict(params, Body="STOP")
    assert post_inbound(web, tampered, signature=sign(params)).status_code == 403
    # Signed for another URL (the Host we were reached on, not the public one): refused.
    local = sign(params, url="http://testserver" + PATH)
    assert post_inbound(web, params, signature=local).status_code == 403
    assert _stored(engine) == 0
    assert drafts(engine, playbook="reply") == []


def test_refused_when_no_auth_token_is_configured(
    engine: Engine, web: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.config import get_settings

    monkeypatch.delenv("TWILIO_AUTH_TOKEN")
    get_settings.cache_clear()
    seeded = seed_outreach(engine)
    assert post_inbound(web, inbound_params(seeded.phone, "hello")).status_code == 403
    assert _stored(engine) == 0


def test_a_reply_joins_a_conversation_and_gets_a_suggestion_for_review(
    engine: Engine, web: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="assistant")
    seeded = seed_outreach(engine)
    response = text_from(web, seeded.phone, "It arrived but the handle has a crack in it")
    assert response.text == EMPTY_TWIML
    [inbound] = messages(engine, direction="inbound")
    assert (inbound.status, inbound.kind, inbound.customer_id) == (
        "received",
        "conversation",
        seeded.customer_id,
    )
    [conversation] = conversations(engine, seeded.customer_id)
    assert inbound.conversation_id == conversation.id and conversation.status == "open"
    assert conversation.last_inbound_at is not None
    # The outreach it answers opens the thread.
    [outreach] = messages(engine, id=seeded.outreach_message_id)
    assert outreach.conversation_id == conversation.id
    [suggestion] = drafts(engine, playbook="reply")
    assert suggestion.state == DraftState.PENDING_REVIEW
    assert suggestion.conversation_id == conversation.id
    assert suggestion.idempotency_key == f"conversation:{conversation.id}:message:{inbound.id}"
    assert suggestion.body and "Maya" in suggestion.body
    facts = suggestion.facts
    assert facts["outreach"]["text"].startswith("Hi Maya")
    assert facts["conversation"][-1] == {
        "from": "customer",
        "text": "It arrived but the handle has a crack in it",
        "at": facts["conversation"][-1]["at"],
    }
    assert facts["purchase"]["product"] == "Cast Iron Skillet 10in"
    # The (terminal) review channel was told of the message and the suggestion, by id only.
    shown = [record.getMessage() for record in caplog.records]
    assert f"review.conversation_message message={inbound.id}" in shown
    assert f"review.draft_ready draft={suggestion.id}" in shown
    assert "handle has a crack" not in caplog.text


def test_a_retried_webhook_is_stored_once(engine: Engine, web: TestClient) -> None:
    seeded = seed_outreach(engine)
    params = inbound_params(seeded.phone, "Do you ship to Canada?")
    for _ in range(3):
        assert post_inbound(web, params).status_code == 200
    assert len(messages(engine, direction="inbound")) == 1
    assert len(drafts(engine, playbook="reply")) == 1


def test_a_second_message_joins_the_same_conversation_and_replaces_the_suggestion(
    engine: Engine, web: TestClient
) -> None:
    seeded = seed_outreach(engine)
    text_from(web, seeded.phone, "Quick question about the skillet")
    text_from(web, seeded.phone, "Can it go in the dishwasher?")
    [conversation] = conversations(engine, seeded.customer_id)
    assert {m.conversation_id for m in messages(engine, direction="inbound")} == {conversation.id}
    first, second = drafts(engine, playbook="reply")
    assert first.state == DraftState.CANCELLED
    assert second.state == DraftState.PENDING_REVIEW
    assert [t["text"] for t in second.facts["conversation"] if t["from"] == "customer"] == [
        "Quick question about the skillet",
        "Can it go in the dishwasher?",
    ]


def test_an_unknown_number_is_stored_and_flagged_without_a_crash(
    engine: Engine, web: TestClient
) -> None:
    seed_outreach(engine)
    params = inbound_params("+14155559876", "hi, who is this?")
    response = post_inbound(web, params)
    assert response.status_code == 200 and response.text == EMPTY_TWIML
    assert post_inbound(web, params).status_code == 200  # a retry: still once
    with unit_of_work(engine) as session:
        [row] = session.execute(select(UnmatchedInbound)).scalars().all()
    assert (row.from_address, row.body, row.status, row.intent) == (
        "+14155559876",
        "hi, who is this?",
        "flagged",
        "message",
    )
    assert messages(engine, direction="inbound") == []
    assert drafts(engine, playbook="reply") == []


def test_a_request_without_a_sender_is_refused_as_malformed(
    engine: Engine, web: TestClient
) -> None:
    params = {"MessageSid": "SM" + "f" * 32, "Body": "hello"}
    assert post_inbound(web, params).status_code == 400
    assert _stored(engine) == 0


def test_the_public_url_with_a_query_string_is_what_is_signed(
    engine: Engine, web: TestClient
) -> None:
    seeded = seed_outreach(engine)
    params = inbound_params(seeded.phone, "hello there")
    signature = sign(params, url=PUBLIC + PATH + "?source=twilio")
    from urllib.parse import urlencode

    response = web.post(
        PATH + "?source=twilio",
        content=urlencode(params),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
        },
    )
    assert response.status_code == 200
    assert len(messages(engine, direction="inbound")) == 1
