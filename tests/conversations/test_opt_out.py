"""STOP and friends cut everything off at once; START restores; HELP answers."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.delivery.schedule import schedule_draft
from assistant.drafting.brand import load_brand
from assistant.jobs.registry import get_task
from assistant.models import DraftState, Message, Suppression
from assistant.models.inbound import UnmatchedInbound
from tests.conversations.helpers import (
    consent_events,
    conversations,
    customer,
    draft_audit,
    drafts,
    inbound_params,
    messages,
    post_inbound,
    seed_outreach,
    text_from,
)
from tests.delivery.factories import add_customer, add_draft, policy
from tests.fakes.twilio_server import FakeTwilioServer

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
PENDING = (DraftState.PENDING_REVIEW, DraftState.NEEDS_ATTENTION, DraftState.APPROVED)


def queue_everything(engine: Engine, customer_id: int) -> tuple[int, list[int]]:
    """A due scheduled SMS and one SMS draft in each undecided state; their ids."""
    now = datetime.now(UTC)
    with unit_of_work(engine) as session:
        person = session.get_one(type(customer(engine, customer_id)), customer_id)
        queued = add_draft(session, person, state=DraftState.APPROVED)
        message = schedule_draft(session, queued.id, now=now, policy=policy())
        assert message is not None and message.status == "scheduled"
        session.execute(
            update(Message)
            .where(Message.id == message.id)
            .values(scheduled_for=now - timedelta(minutes=1))
        )
        pending = [add_draft(session, person, state=state).id for state in PENDING]
        email = add_draft(session, person, channel="email", state=DraftState.PENDING_REVIEW)
        return message.id, [*pending, queued.id, email.id]


def tick() -> None:
    """The worker's periodic tick: schedule approved drafts, send what is due."""
    get_task("delivery.tick")()


@pytest.mark.parametrize("mode", ["provider", "app"])
def test_every_stop_keyword_opts_out_at_once_and_nothing_is_sent_after(
    engine: Engine,
    web: TestClient,
    twilio: FakeTwilioServer,
    mode: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASSISTANT_SMS_KEYWORD_REPLIES", mode)
    get_settings.cache_clear()
    variants = ["STOP", "stopall", "Unsubscribe", "cancel", "END.", "quit", "Revoke", "opt-out"]
    variants += ["OPTOUT", " Stop "]
    for number, word in enumerate(variants):
        seeded = seed_outreach(engine, phone=f"+1415555{7000 + number:04d}")
        message_id, draft_ids = queue_everything(engine, seeded.customer_id)
        sms_drafts, email_draft = draft_ids[:-1], draft_ids[-1]
        response = text_from(web, seeded.phone, word)
        if mode == "provider":
            assert response.text == EMPTY_TWIML  # Twilio answers its own keywords
        else:
            assert "you're unsubscribed" in response.text
        person = customer(engine, seeded.customer_id)
        assert (person.sms_consent, person.sms_consent_source) == (False, "sms_keyword")
        assert person.email_consent  # one channel only
        [event] = consent_events(engine, seeded.customer_id)
        assert (event.channel, event.consented, event.source) == ("sms", False, "sms_keyword")
        [queued] = messages(engine, id=message_id)
        assert (queued.status, queued.error_code) == ("cancelled", "opted_out")
        for draft_id in sms_drafts:
            [draft] = drafts(engine, id=draft_id)
            assert draft.state == DraftState.CANCELLED, word
            assert draft_audit(engine, draft_id)[-1][1] == DraftState.CANCELLED
        assert drafts(engine, id=email_draft)[0].state == DraftState.PENDING_REVIEW
        with unit_of_work(engine) as session:
            reasons = session.execute(
                select(Suppression.reason).where(Suppression.address == seeded.phone)
            ).scalars()
            assert list(reasons) == ["sms_keyword"]
    assert drafts(engine, playbook="reply") == []  # a keyword is not a conversation
    tick()
    tick()
    assert twilio.creates() == []
    sent = [m for m in messages(engine, direction="outbound") if m.status in ("sending", "sent")]
    assert all(m.kind == "system" for m in sent)  # only our keyword answers (app mode)


def test_free_text_opt_out_is_confirmed_once_and_recorded_as_the_customers_request(
    engine: Engine, web: TestClient, twilio: FakeTwilioServer
) -> None:
    seeded = seed_outreach(engine)
    message_id, _ = queue_everything(engine, seeded.customer_id)
    params = inbound_params(seeded.phone, "Please stop texting me.")
    response = post_inbound(web, params)
    brand = load_brand()
    assert response.status_code == 200
    assert f"{brand.name.replace('&', '&amp;')}: you're unsubscribed" in response.text
    assert "Reply START to resubscribe" in response.text
    # Twilio retried (it did not get our answer): the same answer, nothing applied twice.
    assert post_inbound(web, params).text == response.text
    person = customer(engine, seeded.customer_id)
    assert (person.sms_consent, person.sms_consent_source) == (False, "customer_request")
    assert len(consent_events(engine, seeded.customer_id)) == 1
    assert messages(engine, id=message_id)[0].status == "cancelled"
    [answer] = messages(engine, kind="system", direction="outbound")
    assert answer.status == "sent" and answer.to_address == seeded.phone
    tick()
    assert twilio.creates() == []


def test_near_misses_are_conversation_messages_and_change_no_consent(
    engine: Engine, web: TestClient
) -> None:
    seeded = seed_outreach(engine)
    for text in ("I'll stop by the store on Friday", "can't stop using it!"):
        assert text_from(web, seeded.phone, text).text == EMPTY_TWIML
    person = customer(engine, seeded.customer_id)
    assert person.sms_consent and consent_events(engine, seeded.customer_id) == []
    assert [m.kind for m in messages(engine, direction="inbound")] == ["conversation"] * 2
    assert drafts(engine, playbook="reply")[-1].state == DraftState.PENDING_REVIEW


def test_start_opts_back_in_and_lifts_our_suppression(engine: Engine, web: TestClient) -> None:
    seeded = seed_outreach(engine)
    text_from(web, seeded.phone, "STOP")
    assert not customer(engine, seeded.customer_id).sms_consent
    assert text_from(web, seeded.phone, "start").text == EMPTY_TWIML
    person = customer(engine, seeded.customer_id)
    assert (person.sms_consent, person.sms_consent_source) == (True, "sms_keyword")
    assert [e.consented for e in consent_events(engine, seeded.customer_id)] == [False, True]
    with unit_of_work(engine) as session:
        assert session.execute(select(Suppression)).first() is None


def test_yes_opts_in_only_someone_who_opted_out(engine: Engine, web: TestClient) -> None:
    seeded = seed_outreach(engine)
    text_from(web, seeded.phone, "Yes")  # an answer to "did it arrive?"
    assert consent_events(engine, seeded.customer_id) == []
    assert [m.kind for m in messages(engine, direction="inbound")] == ["conversation"]
    text_from(web, seeded.phone, "stop")
    text_from(web, seeded.phone, "YES")
    assert [e.consented for e in consent_events(engine, seeded.customer_id)] == [False, True]
    assert customer(engine, seeded.customer_id).sms_consent


def test_stop_closes_the_open_conversation_and_cancels_its_suggestion(
    engine: Engine, web: TestClient
) -> None:
    seeded = seed_outreach(engine)
    text_from(web, seeded.phone, "What size is the lid?")
    [suggestion] = drafts(engine, playbook="reply")
    text_from(web, seeded.phone, "STOP")
    [conversation] = conversations(engine, seeded.customer_id)
    assert conversation.status == "closed"
    assert drafts(engine, id=suggestion.id)[0].state == DraftState.CANCELLED
    assert messages(engine, direction="inbound")[-1].conversation_id == conversation.id


@pytest.mark.parametrize("word", ["HELP", "info"])
def test_help_answers_with_the_brand_help_text_when_the_app_answers_keywords(
    engine: Engine, web: TestClient, monkeypatch: pytest.MonkeyPatch, word: str
) -> None:
    monkeypatch.setenv("ASSISTANT_SMS_KEYWORD_REPLIES", "app")
    get_settings.cache_clear()
    seeded = seed_outreach(engine)
    response = text_from(web, seeded.phone, word)
    help_text = load_brand().help_text.replace("&", "&amp;")
    assert response.text == (
        f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{help_text}</Message></Response>'
    )
    assert customer(engine, seeded.customer_id).sms_consent
    assert drafts(engine, playbook="reply") == []
    [answer] = messages(engine, kind="system", direction="outbound")
    assert answer.body == load_brand().help_text


def test_help_is_left_to_twilio_by_default(engine: Engine, web: TestClient) -> None:
    seeded = seed_outreach(engine)
    assert text_from(web, seeded.phone, "HELP").text == EMPTY_TWIML
    assert drafts(engine, playbook="reply") == []
    assert messages(engine, kind="system", direction="outbound") == []


def test_stop_from_an_unknown_number_suppresses_the_number(engine: Engine, web: TestClient) -> None:
    stranger = "+14155550999"
    text_from(web, stranger, "STOP")
    with unit_of_work(engine) as session:
        [row] = session.execute(select(UnmatchedInbound)).scalars().all()
        assert (row.intent, row.status) == ("opt_out", "flagged")
        # A customer imported later with this number (and consent) is still never texted.
        later = add_customer(session, phone=stranger)
        add_draft(session, later, state=DraftState.APPROVED)
    tick()
    [queued] = messages(engine, direction="outbound")
    assert (queued.status, queued.error_code) == ("cancelled", "suppressed")


def test_stop_asks_the_review_channel_to_update_the_cancelled_cards(
    engine: Engine, web: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Slack cards are updated (tests/slack/test_stop_cards.py); at the terminal the drafts'
    new states wait for `assistant review`, and the web process prints no card."""
    seeded = seed_outreach(engine)
    _, draft_ids = queue_everything(engine, seeded.customer_id)
    caplog.set_level(logging.INFO, logger="assistant")
    text_from(web, seeded.phone, "STOP")
    shown = [record.getMessage() for record in caplog.records]
    for draft_id in draft_ids[:-1]:  # the SMS ones; the email draft stays as it was
        assert f"review.draft_updated draft={draft_id}" in shown
    assert f"review.draft_updated draft={draft_ids[-1]}" not in shown
