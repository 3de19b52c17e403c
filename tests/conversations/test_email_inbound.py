"""Customer email replies come back into the conversation, like SMS replies.

Through the real webhook (POST /webhooks/email/inbound), the fake Slack for the card's
thread, and the aiosmtpd fake for the approved answer going back by email.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from slack_sdk import WebClient
from sqlalchemy import Engine, select

from assistant.api.app import create_app
from assistant.config import get_settings
from assistant.conversations import service
from assistant.db import unit_of_work
from assistant.delivery.rules import is_suppressed
from assistant.jobs.registry import get_task
from assistant.models import ConsentEvent, Draft, DraftState
from assistant.models.inbound import UnmatchedInbound
from assistant.review import service as review
from assistant.review.actors import Actor
from tests.conversations.email_helpers import CHANNEL, DOMAIN, raw_email, seed_email_outreach
from tests.conversations.helpers import conversations, customer, drafts, messages
from tests.delivery.factories import add_draft
from tests.fakes.slack_server import BOT_TOKEN, FakeSlack
from tests.fakes.smtp_server import FakeSmtpServer, running_fake_smtp

SECRET = "inbound-secret-0123456789"
PATH = "/webhooks/email/inbound"
AUTH = {"X-Assistant-Inbound-Secret": SECRET}
ANN = Actor("slack:U0ANN", "Ann")


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSmtpServer]:
    with running_fake_smtp() as server:
        for name, value in {
            "ASSISTANT_SMTP_URL": server.url(),
            "ASSISTANT_EMAIL_FROM": f"Ember & Oak <care@{DOMAIN}>",
            "ASSISTANT_SECRET_KEY": "test-secret-key-0123456789abcdef-0123456789",
            "ASSISTANT_PUBLIC_URL": "https://assistant.example.com",
            "ASSISTANT_INBOUND_EMAIL_SECRET": SECRET,
        }.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        yield server


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch, smtp: FakeSmtpServer) -> Iterator[FakeSlack]:
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


@pytest.fixture
def web(engine: Engine, smtp: FakeSmtpServer) -> Iterator[TestClient]:
    with TestClient(create_app(engine)) as client:
        yield client


QUOTED = (
    "The lid doesn't fit, can you help?\n\nMaya\n\n"
    "On Sun, Dec 6, 2026 at 9:00 AM Ember & Oak <care@emberandoak.example> wrote:\n"
    "> Hi Maya, how is the Cast Iron Skillet treating you?\n> Just reply. - Sam\n"
)


def _post_raw(web: TestClient, raw: bytes, headers: dict[str, str] | None = None) -> Any:
    return web.post(
        PATH, content=raw, headers={"Content-Type": "message/rfc822", **(headers or AUTH)}
    )


def test_a_reply_joins_the_email_conversation_once_in_the_card_thread_with_a_suggestion(
    engine: Engine, slack: FakeSlack
) -> None:
    card = WebClient(token=BOT_TOKEN, base_url=slack.api_url).chat_postMessage(
        channel=CHANNEL, text="check_in card"
    )
    seeded = seed_email_outreach(engine, card_ts=str(card["ts"]))
    raw = raw_email(QUOTED, in_reply_to=seeded["message_id"])
    with TestClient(create_app(engine)) as web:
        first = _post_raw(web, raw)
        again = _post_raw(web, raw)  # the parse service retried
    assert (first.status_code, first.json()) == (200, {"outcome": "message"})
    assert again.json() == {"outcome": "duplicate"}
    [inbound] = messages(engine, direction="inbound")
    assert (inbound.channel, inbound.kind, inbound.status) == ("email", "conversation", "received")
    assert inbound.body == "The lid doesn't fit, can you help?\n\nMaya"  # no quoted history
    assert inbound.email_message_id == "<CAF=reply-1@mail.example.net>"
    assert inbound.subject == "Re: How is the skillet?"
    [conversation] = conversations(engine, seeded["customer"])
    assert conversation.channel == "email" and inbound.conversation_id == conversation.id
    assert (conversation.slack_channel, conversation.slack_thread_ts) == (CHANNEL, card["ts"])
    thread = slack.thread(CHANNEL, str(card["ts"]))
    assert any("The lid doesn't fit" in posted.text for posted in thread)
    assert not any("wrote:" in posted.text for posted in thread)
    [suggestion] = drafts(engine, playbook="reply")
    assert suggestion.channel == "email" and suggestion.conversation_id == conversation.id
    assert suggestion.state == DraftState.PENDING_REVIEW
    assert suggestion.subject == "Re: How is the skillet?"  # threads in the customer's mailbox


def test_an_approved_answer_goes_back_by_email_threaded_under_the_customer_s_reply(
    engine: Engine, web: TestClient, smtp: FakeSmtpServer
) -> None:
    seeded = seed_email_outreach(engine)
    _post_raw(web, raw_email("Does it work on induction?", in_reply_to=seeded["message_id"]))
    [suggestion] = drafts(engine, playbook="reply")
    with unit_of_work(engine) as session:
        assert review.decide(session, suggestion.id, action="approve", actor=ANN).applied
        service.send_after_commit(session, [suggestion.id])
    get_task("conversations.send_reply")(draft_id=suggestion.id)
    [sent] = smtp.received
    assert sent.rcpt_tos == ["maya@example.net"]
    assert sent.message["Subject"] == "Re: How is the skillet?"
    assert sent.message["In-Reply-To"] == "<CAF=reply-1@mail.example.net>"
    assert sent.message["References"] == "<CAF=reply-1@mail.example.net>"
    [reply] = messages(engine, draft_id=suggestion.id)
    assert (reply.channel, reply.kind, reply.status) == ("email", "conversation", "sent")


def test_a_reply_without_references_is_matched_by_the_sender_address(
    engine: Engine, web: TestClient
) -> None:
    seeded = seed_email_outreach(engine)
    form = {
        "from": "Maya <MAYA@example.net>",
        "to": f"care@{DOMAIN}",
        "subject": "Question",
        "text": "Hi, is the skillet pre-seasoned?\n\nSent from my iPhone",
        "headers": "Message-ID: <sg-1@mail.example.net>\r\nX-Other: 1\r\n",
    }
    answer = web.post(PATH, data=form, files={"attachment1": ("a.txt", b"x")}, headers=AUTH)
    assert answer.json() == {"outcome": "message"}
    [inbound] = messages(engine, direction="inbound")
    assert inbound.customer_id == seeded["customer"]
    assert inbound.body == "Hi, is the skillet pre-seasoned?"
    assert inbound.email_message_id == "<sg-1@mail.example.net>"
    [conversation] = conversations(engine, seeded["customer"])
    # The outreach it most likely answers opens the conversation.
    [outreach] = messages(engine, direction="outbound")
    assert outreach.conversation_id == conversation.id


def test_the_raw_message_in_sendgrid_s_email_field_and_basic_auth(
    engine: Engine, web: TestClient
) -> None:
    seeded = seed_email_outreach(engine)
    raw = raw_email("Thanks, all good!", in_reply_to=seeded["message_id"]).decode()
    basic = base64.b64encode(f"parse:{SECRET}".encode()).decode()
    answer = web.post(
        PATH,
        files={"email": (None, raw), "to": (None, f"care@{DOMAIN}")},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert answer.json() == {"outcome": "message"}
    [inbound] = messages(engine, direction="inbound")
    assert inbound.body == "Thanks, all good!"


def test_unsubscribe_in_a_reply_opts_out_of_email(engine: Engine, web: TestClient) -> None:
    seeded = seed_email_outreach(engine)
    with unit_of_work(engine) as session:
        person = customer(engine, seeded["customer"])
        pending = add_draft(session, person, channel="email", state=DraftState.PENDING_REVIEW)
        pending_id = pending.id
    answer = _post_raw(
        web, raw_email("Unsubscribe me please\n\n-- \nMaya Lee", in_reply_to=seeded["message_id"])
    )
    assert answer.json() == {"outcome": "opt_out"}
    person = customer(engine, seeded["customer"])
    assert person.email_consent is False and person.sms_consent is True
    with unit_of_work(engine) as session:
        [event] = session.scalars(select(ConsentEvent)).all()
        assert (event.channel, event.consented, event.source) == (
            "email",
            False,
            "email_unsubscribe",
        )
        assert session.get_one(Draft, pending_id).state == DraftState.CANCELLED
    assert drafts(engine, playbook="reply") == []  # nothing to suggest
    [conversation] = conversations(engine, seeded["customer"])
    assert conversation.status == "closed"


def test_an_unknown_sender_is_kept_flagged(engine: Engine, web: TestClient) -> None:
    answer = _post_raw(web, raw_email("Who is this?", sender="stranger@example.org"))
    assert answer.json() == {"outcome": "unknown_sender"}
    with unit_of_work(engine) as session:
        [row] = session.scalars(select(UnmatchedInbound)).all()
        assert (row.channel, row.from_address, row.body) == (
            "email",
            "stranger@example.org",
            "Who is this?",
        )
    assert messages(engine, direction="inbound") == []


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Assistant-Inbound-Secret": "wrong"}, {"Authorization": "Basic !!"}],
    ids=["none", "wrong", "garbage"],
)
def test_unauthenticated_posts_are_refused(
    engine: Engine, web: TestClient, headers: dict[str, str]
) -> None:
    seed_email_outreach(engine)
    answer = web.post(
        PATH, content=raw_email("hi"), headers={"Content-Type": "message/rfc822", **headers}
    )
    assert answer.status_code == 403
    assert messages(engine, direction="inbound") == []


def test_without_a_secret_the_webhook_is_off(
    engine: Engine, web: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ASSISTANT_INBOUND_EMAIL_SECRET")
    get_settings.cache_clear()
    assert _post_raw(web, raw_email("hi"), {"X-Assistant-Inbound-Secret": ""}).status_code == 403


def test_malformed_and_oversized_posts_are_4xx(engine: Engine, web: TestClient) -> None:
    too_big = web.post(
        PATH,
        content=b"x",
        headers={"Content-Type": "message/rfc822", "Content-Length": str(11 * 1024 * 1024)},
    )
    assert too_big.status_code == 413
    json_body = web.post(PATH, json={"a": 1}, headers=AUTH)
    assert json_body.status_code == 415
    no_sender = _post_raw(web, b"Subject: hi\r\n\r\nhello")
    assert no_sender.status_code == 400
    assert no_sender.headers["Content-Type"].startswith("application/problem+json")


def test_a_raw_body_over_the_limit_without_a_length_is_refused(
    engine: Engine, web: TestClient
) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(11):
            yield b"x" * (1024 * 1024)

    answer = web.post(PATH, content=chunks(), headers={"Content-Type": "message/rfc822", **AUTH})
    assert answer.status_code == 413


def test_an_unknown_sender_who_unsubscribes_is_never_emailed(
    engine: Engine, web: TestClient
) -> None:
    answer = _post_raw(web, raw_email("Unsubscribe", sender="Stranger@Example.org"))
    assert answer.json() == {"outcome": "unknown_sender"}
    _post_raw(web, raw_email("Who is this?", sender="other@example.org"))
    with unit_of_work(engine) as session:
        assert is_suppressed(session, "email", ["stranger@example.org"])
        assert not is_suppressed(session, "email", ["other@example.org"])
        assert not is_suppressed(session, "sms", ["stranger@example.org"])
