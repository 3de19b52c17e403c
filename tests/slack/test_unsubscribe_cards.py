"""An email unsubscribe cancels the customer's undecided email drafts and updates their cards."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.delivery.unsubscribe import make_token, secret_from
from assistant.models import Customer, Draft
from connectors.slack.poster import SlackPoster
from tests.fakes.slack_server import FakeSlack
from tests.slack.helpers import CHANNEL, eventually, has_buttons
from tests.slack.seed import Store


def test_one_click_unsubscribe_updates_the_cancelled_draft_s_card(
    engine: Engine,
    fake: FakeSlack,
    poster: SlackPoster,
    store: Store,
    web: TestClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASSISTANT_SECRET_KEY", "test-secret-key-0123456789abcdef0123")
    get_settings.cache_clear()
    with unit_of_work(engine) as session:
        draft = session.get_one(Draft, store.drafts[0])
        draft.channel, draft.subject = "email", "A note from us"
        customer = session.get_one(Customer, draft.customer_id)
        customer.email, customer.email_consent = "maya@example.com", True
        customer_id = customer.id
    poster.post_campaign(store.campaign_id)
    with unit_of_work(engine) as session:
        ts = session.get_one(Draft, store.drafts[0]).slack_ts
    card = fake.message(CHANNEL, ts or "")
    assert has_buttons(card.blocks)

    token = make_token(customer_id, "email", secret=secret_from(get_settings()))
    done = web.post(
        f"/unsubscribe/{token}",
        content="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert done.status_code == 200
    with unit_of_work(engine) as session:
        assert session.get_one(Draft, store.drafts[0]).state == "cancelled"
    eventually(lambda: card.updates >= 1, what="the card update")
    assert not has_buttons(card.blocks)
