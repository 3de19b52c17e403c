"""Approved replies go out once, by SMS, from the same sender; staff can type their own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from slack_sdk import WebClient
from sqlalchemy import Engine

from assistant.config import get_settings
from assistant.conversations import service
from assistant.db import unit_of_work
from assistant.jobs.registry import get_task
from assistant.models import Draft, DraftState
from assistant.review import service as review
from assistant.review.actors import Actor
from tests.conversations.helpers import (
    OUR_NUMBER,
    PUBLIC,
    conversations,
    draft_audit,
    drafts,
    messages,
    seed_outreach,
    text_from,
)
from tests.fakes.slack_server import BOT_TOKEN, FakeSlack
from tests.fakes.twilio_server import FakeTwilioServer

ANN = Actor("slack:U0ANN", "Ann")
CHANNEL = "C0REVIEW"


def _conversation_replies(engine: Engine) -> list[object]:
    return [m for m in messages(engine, direction="outbound") if m.kind == "conversation"]


def test_approving_a_suggestion_sends_exactly_one_reply_from_the_same_sender(
    engine: Engine, web: TestClient, twilio: FakeTwilioServer
) -> None:
    seeded = seed_outreach(engine)
    text_from(web, seeded.phone, "Is the skillet oven safe?")
    [suggestion] = drafts(engine, playbook="reply")
    with unit_of_work(engine) as session:
        outcome = review.decide(session, suggestion.id, action="approve", actor=ANN)
        assert outcome.applied
        service.send_after_commit(session, [suggestion.id])
    for _ in range(2):  # the worker's ticks afterwards change nothing
        get_task("delivery.tick")()
    get_task("conversations.send_reply")(draft_id=suggestion.id)
    [reply] = messages(engine, draft_id=suggestion.id)
    [conversation] = conversations(engine, seeded.customer_id)
    assert (reply.direction, reply.kind, reply.status) == ("outbound", "conversation", "sent")
    assert reply.conversation_id == conversation.id and reply.to_address == seeded.phone
    assert reply.idempotency_key == f"draft:{suggestion.id}"
    [create] = twilio.creates()
    assert create.field("To") == seeded.phone and create.field("Body") == suggestion.body
    assert create.field("From") == OUR_NUMBER  # the number the outreach came from
    assert create.field("StatusCallback") == PUBLIC + "/webhooks/twilio/status"
    assert drafts(engine, id=suggestion.id)[0].state == DraftState.SENT
    assert conversations(engine, seeded.customer_id)[0].last_outbound_at is not None


def test_a_suggestion_approved_through_the_api_is_sent_at_once(
    engine: Engine, web: TestClient, twilio: FakeTwilioServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_API_KEYS", "test-key-0123456789")
    get_settings.cache_clear()
    seeded = seed_outreach(engine)
    text_from(web, seeded.phone, "Is the skillet oven safe?")
    [suggestion] = drafts(engine, playbook="reply")
    response = web.post(
        f"/api/v1/drafts/{suggestion.id}/approve",
        headers={"Authorization": "Bearer test-key-0123456789"},
    )
    assert response.status_code == 200
    # As from Slack: sent once the approval committed, not at the worker's next tick.
    [reply] = messages(engine, draft_id=suggestion.id)
    assert (reply.kind, reply.status) == ("conversation", "sent")
    [create] = twilio.creates()
    assert create.field("Body") == suggestion.body


def test_a_staff_reply_is_checked_approved_and_sent_once(
    engine: Engine, web: TestClient, twilio: FakeTwilioServer
) -> None:
    seeded = seed_outreach(engine)
    text_from(web, seeded.phone, "Can I get a discount?")
    [suggestion] = drafts(engine, playbook="reply")
    [conversation] = conversations(engine, seeded.customer_id)
    with unit_of_work(engine) as session:
        refused = service.staff_reply(
            session, conversation.id, ANN, "Sure Maya, use code SAVE20 for 20% off! - Sam"
        )
    assert not refused.applied and refused.draft_id is None
    assert {f.code for f in refused.findings} >= {"invented_offer"}
    assert len(drafts(engine, playbook="reply")) == 1
    text = "Hi Maya, we don't run those, but I'm happy to help you pick the right size. - Sam"
    for _ in range(2):  # a retried submission finds the first
        with unit_of_work(engine) as session:
            result = service.staff_reply(session, conversation.id, ANN, text)
        assert result.applied and result.draft_id is not None
    staff = drafts(engine, id=result.draft_id)[0]
    assert (staff.state, staff.decided_by, staff.conversation_id) == (
        DraftState.SENT,
        "slack:U0ANN",
        conversation.id,
    )
    assert draft_audit(engine, staff.id)[0] == (None, "approved", "draft.staff_reply")
    assert drafts(engine, id=suggestion.id)[0].state == DraftState.CANCELLED
    [create] = twilio.creates()
    assert create.field("Body") == text
    assert len(_conversation_replies(engine)) == 1


def test_a_staff_reply_to_an_opted_out_customer_is_refused(
    engine: Engine, web: TestClient, twilio: FakeTwilioServer
) -> None:
    seeded = seed_outreach(engine)
    text_from(web, seeded.phone, "Where is my order?")
    [conversation] = conversations(engine, seeded.customer_id)
    text_from(web, seeded.phone, "STOP")
    with unit_of_work(engine) as session:
        result = service.staff_reply(session, conversation.id, ANN, "Hi Maya, it ships today.")
    assert not result.applied and "opted out" in result.message
    get_task("delivery.tick")()
    assert twilio.creates() == []


def test_an_approved_reply_is_not_sent_after_the_customer_opts_out(
    engine: Engine, web: TestClient, twilio: FakeTwilioServer
) -> None:
    seeded = seed_outreach(engine)
    text_from(web, seeded.phone, "Does it come in blue?")
    [suggestion] = drafts(engine, playbook="reply")
    with unit_of_work(engine) as session:
        assert review.decide(session, suggestion.id, action="approve", actor=ANN).applied
    text_from(web, seeded.phone, "stop texting me")
    get_task("delivery.tick")()
    get_task("conversations.send_reply")(draft_id=suggestion.id)
    assert drafts(engine, id=suggestion.id)[0].state == DraftState.CANCELLED
    assert twilio.creates() == [] and _conversation_replies(engine) == []


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlack]:
    with FakeSlack(users={"U0ANN": "Ann"}) as fake:
        for name, value in {
            "ASSISTANT_REVIEW": "slack",
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": "test-signing-secret-0123456789abcdef",
            "SLACK_REVIEW_CHANNEL": CHANNEL,
            "SLACK_API_URL": fake.api_url,
        }.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        yield fake


def test_a_reply_goes_into_the_thread_of_the_outreach_card_with_its_suggestion(
    engine: Engine, web: TestClient, slack: FakeSlack
) -> None:
    seeded = seed_outreach(engine)
    card = WebClient(token=BOT_TOKEN, base_url=slack.api_url).chat_postMessage(
        channel=CHANNEL, text="check_in card"
    )
    with unit_of_work(engine) as session:
        outreach = session.get_one(Draft, seeded.outreach_draft_id)
        outreach.slack_channel, outreach.slack_ts = CHANNEL, str(card["ts"])
    text_from(web, seeded.phone, "The lid doesn't fit, can you help?")
    [conversation] = conversations(engine, seeded.customer_id)
    assert (conversation.slack_channel, conversation.slack_thread_ts) == (CHANNEL, card["ts"])
    thread = slack.thread(CHANNEL, str(card["ts"]))
    assert any("The lid doesn't fit" in posted.text for posted in thread)
    [suggestion] = drafts(engine, playbook="reply")
    posted_cards = [
        call.params
        for call in slack.calls_of("chat.postMessage", ok=True)
        if "draft_id" in str(call.params.get("metadata"))
    ]
    assert any(str(suggestion.id) in str(params["metadata"]) for params in posted_cards)


def test_a_reply_is_still_suggested_when_slack_refuses_to_show_the_message(
    engine: Engine, web: TestClient, slack: FakeSlack
) -> None:
    seeded = seed_outreach(engine)
    slack.fail("chat.postMessage", status=503, retry_after=None, times=20)
    text_from(web, seeded.phone, "Does it come in blue?")
    assert slack.calls_of("chat.postMessage", ok=False), "the message was never shown"
    [suggestion] = drafts(engine, playbook="reply")
    assert suggestion.state == DraftState.PENDING_REVIEW
