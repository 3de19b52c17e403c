"""Conversations in Slack, end to end: the thread names the customer and quotes the outreach,
the suggestion's card sits in it, approving or a staff "Reply" sends one SMS through the
outbox at once, and the sent text shows in the thread."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.config import get_settings
from assistant.models import DraftState
from connectors.slack.actions import ActionId, BlockId
from tests.conversations.helpers import (
    OUR_NUMBER,
    OUTREACH,
    PUBLIC,
    conversations,
    drafts,
    messages,
    seed_outreach,
    text_from,
)
from tests.fakes.slack_server import FakeSlack, OpenedView, Posted
from tests.fakes.twilio_server import ACCOUNT_SID, AUTH_TOKEN, FakeTwilioServer
from tests.slack.helpers import ANN, CHANNEL, EVE, click, eventually, post, submit


@pytest.fixture
def twilio(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTwilioServer]:
    with FakeTwilioServer() as server:
        for name, value in {
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": OUR_NUMBER,
            "TWILIO_API_URL": server.base_url,
            "ASSISTANT_PUBLIC_URL": PUBLIC + "/",
        }.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        yield server


def _thread(engine: Engine, fake: FakeSlack, customer_id: int) -> list[Posted]:
    [conversation] = conversations(engine, customer_id)
    assert conversation.slack_channel == CHANNEL and conversation.slack_thread_ts
    root = fake.message(CHANNEL, conversation.slack_thread_ts)
    return [root, *fake.thread(CHANNEL, conversation.slack_thread_ts)]


def _sent_texts(engine: Engine, fake: FakeSlack, customer_id: int) -> list[str]:
    return [m.text for m in _thread(engine, fake, customer_id) if m.text.startswith("Sent: ")]


def _modal(fake: FakeSlack) -> OpenedView:
    return eventually(lambda: fake.views[-1] if fake.views else None, what="views.open")


def test_the_suggestion_is_carded_in_the_thread_and_approving_it_sends_it_at_once(
    engine: Engine, fake: FakeSlack, twilio: FakeTwilioServer, web: TestClient
) -> None:
    seeded = seed_outreach(engine)
    text_from(web, seeded.phone, "Is the skillet oven safe?")
    [suggestion] = drafts(engine, playbook="reply")
    root, inbound, card = eventually(lambda: _thread(engine, fake, seeded.customer_id)[:3])
    # A new thread (the outreach had no card): the customer, masked number, outreach quoted.
    assert root.thread_ts is None and "Conversation with Maya" in root.text
    assert f"•••• {seeded.phone[-4:]}" in root.text and seeded.phone not in root.text
    assert f"> {OUTREACH}" in root.text
    assert inbound.text == "Maya: Is the skillet oven safe?"
    assert card.metadata == {
        "event_type": "assistant_draft_card",
        "event_payload": {"draft_id": suggestion.id},
    }

    approve = click(card, ActionId.APPROVE, ANN)
    assert post(web, approve).status_code == 200
    [create] = eventually(twilio.creates, what="the SMS")
    assert create.field("To") == seeded.phone and create.field("Body") == suggestion.body
    assert eventually(lambda: _sent_texts(engine, fake, seeded.customer_id)) == [
        f"Sent: {suggestion.body}".replace("&", "&amp;")
    ]
    [reply] = messages(engine, draft_id=suggestion.id)
    assert (reply.kind, reply.status) == ("conversation", "sent")
    assert drafts(engine, id=suggestion.id)[0].state == DraftState.SENT
    post(web, approve)  # a double click (or Slack's retry) sends nothing more
    assert len(twilio.creates()) == 1


def test_reply_opens_a_modal_checks_the_guardrails_and_sends_once(
    engine: Engine, fake: FakeSlack, twilio: FakeTwilioServer, web: TestClient
) -> None:
    seeded = seed_outreach(engine)
    text_from(web, seeded.phone, "Can I get a discount?")
    inbound = eventually(lambda: _thread(engine, fake, seeded.customer_id)[1])
    assert post(web, click(inbound, ActionId.REPLY, ANN)).status_code == 200
    opened = _modal(fake)
    assert opened.view["callback_id"] == "conversation_reply_modal"

    answer = post(web, submit(opened, ANN, {BlockId.BODY: "Sure, code SAVE20 gets 20% off!"}))
    assert answer.json()["response_action"] == "errors"
    assert set(answer.json()["errors"]) == {BlockId.BODY}
    assert twilio.creates() == []

    text = "Hi Maya, we don't run those, but I'm happy to help you pick the right size. - Sam"
    for _ in range(2):  # a retried submission finds the first reply
        answer = post(web, submit(opened, ANN, {BlockId.BODY: text}))
        assert answer.status_code == 200 and not answer.content
    [create] = eventually(twilio.creates, what="the SMS")
    assert create.field("Body") == text and create.field("To") == seeded.phone
    assert eventually(lambda: _sent_texts(engine, fake, seeded.customer_id)) == [f"Sent: {text}"]
    staff = [d for d in drafts(engine, playbook="reply") if d.decided_by == f"slack:{ANN}"]
    assert [d.state for d in staff] == [DraftState.SENT]
    assert len(twilio.creates()) == 1


def test_a_non_reviewer_cannot_reply(
    engine: Engine, fake: FakeSlack, twilio: FakeTwilioServer, web: TestClient
) -> None:
    seeded = seed_outreach(engine)
    text_from(web, seeded.phone, "Hello?")
    inbound = eventually(lambda: _thread(engine, fake, seeded.customer_id)[1])
    post(web, click(inbound, ActionId.REPLY, EVE))
    eventually(lambda: fake.ephemerals, what="the refusal")
    assert fake.ephemerals[0].user == EVE and not fake.views
    [conversation] = conversations(engine, seeded.customer_id)
    meta = f'{{"conversation":{conversation.id},"c":"{CHANNEL}"}}'
    forged = OpenedView("V1", None, {"type": "modal", "callback_id": "conversation_reply_modal",
                                     "private_metadata": meta, "blocks": []})  # fmt: skip
    answer = post(web, submit(forged, EVE, {BlockId.BODY: "Hi Maya, here you go. - Sam"}))
    assert answer.json()["response_action"] == "errors"
    assert "Only reviewers" in answer.json()["errors"][BlockId.BODY]
    assert twilio.creates() == []
    assert [d.decided_by for d in drafts(engine, playbook="reply")] == [None]
