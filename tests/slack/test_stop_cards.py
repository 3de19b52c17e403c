"""A customer's STOP cancels their undecided SMS drafts and updates those drafts' Slack cards."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.models import Customer, Draft
from connectors.slack.poster import SlackPoster
from tests.conversations.helpers import OUR_NUMBER, PUBLIC, text_from
from tests.fakes.slack_server import FakeSlack
from tests.fakes.twilio_server import ACCOUNT_SID, AUTH_TOKEN
from tests.slack.helpers import CHANNEL, eventually, has_buttons
from tests.slack.seed import Store


def test_stop_updates_the_cards_of_the_cancelled_drafts(
    engine: Engine,
    fake: FakeSlack,
    poster: SlackPoster,
    store: Store,
    web: TestClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": OUR_NUMBER,
        "ASSISTANT_PUBLIC_URL": PUBLIC + "/",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    phone = "+14155550123"
    with unit_of_work(engine) as session:
        draft = session.get_one(Draft, store.drafts[0])
        customer = session.get_one(Customer, draft.customer_id)
        customer.phone, customer.sms_consent = phone, True
    poster.post_campaign(store.campaign_id)
    with unit_of_work(engine) as session:
        ts = session.get_one(Draft, store.drafts[0]).slack_ts
        other_ts = session.get_one(Draft, store.drafts[1]).slack_ts
    card, other = fake.message(CHANNEL, ts or ""), fake.message(CHANNEL, other_ts or "")
    assert has_buttons(card.blocks)

    text_from(web, phone, "STOP")
    with unit_of_work(engine) as session:
        assert session.get_one(Draft, store.drafts[0]).state == "cancelled"
        assert session.get_one(Draft, store.drafts[1]).state == "pending_review"
    eventually(lambda: card.updates >= 1, what="the card update")
    assert not has_buttons(card.blocks)
    assert other.updates == 0 and has_buttons(other.blocks)
