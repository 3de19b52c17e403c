"""Review by risk: a confirmation modal, then only the low-risk drafts are approved, each
with the person who confirmed; everyone else keeps an individual card."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from assistant.db import unit_of_work
from assistant.models import AuditEntry, Campaign
from connectors.slack.actions import ActionId
from connectors.slack.poster import SlackPoster
from tests.fakes.slack_server import FakeSlack
from tests.slack.helpers import (
    ANN,
    CHANNEL,
    EVE,
    click,
    eventually,
    has_buttons,
    post,
    submit,
    texts,
)
from tests.slack.seed import seed
from tests.slack.test_interactions import draft_row


def _parent(engine: Engine, fake: FakeSlack, campaign_id: int):  # type: ignore[no-untyped-def]
    with unit_of_work(engine) as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None and campaign.slack_ts
        return fake.message(CHANNEL, campaign.slack_ts)


def test_review_by_risk_confirms_then_approves_only_low_risk_drafts(
    engine: Engine, fake: FakeSlack, web: TestClient, poster: SlackPoster
) -> None:
    store = seed(engine, plain=3, risky=True)
    poster.post_campaign(store.campaign_id)
    parent = _parent(engine, fake, store.campaign_id)
    assert "*Waiting for review*\n6" in texts(parent.blocks)
    low_risk = store.drafts[:3]
    held = [store.vip_draft, store.talking_draft, store.warned_draft]

    assert post(web, click(parent, ActionId.REVIEW_BY_RISK, ANN)).status_code == 200
    opened = eventually(lambda: fake.views[0] if fake.views else None, what="views.open")
    assert opened.view["submit"]["text"] == "Approve 3"
    assert "Approve *3* drafts" in texts(opened.view["blocks"])
    for draft_id in store.drafts:  # nothing happens before the confirmation
        assert draft_row(engine, draft_id).state == "pending_review"

    assert post(web, submit(opened, ANN, {})).status_code == 200
    eventually(lambda: "*Approved*\n3" in texts(parent.blocks), what="parent counts")
    for draft_id in low_risk:
        draft = draft_row(engine, draft_id)
        assert (draft.state, draft.decided_by) == ("approved", f"slack:{ANN}")
        card = fake.message(CHANNEL, draft.slack_ts or "")
        eventually(lambda card=card: not has_buttons(card.blocks), what="approved card")
        assert f"Approved* by <@{ANN}>" in texts(card.blocks)
    for draft_id in held:
        assert draft_id is not None
        draft = draft_row(engine, draft_id)
        assert draft.state == "pending_review" and draft.decided_by is None
        assert has_buttons(fake.message(CHANNEL, draft.slack_ts or "").blocks)
    with unit_of_work(engine) as session:
        rows = session.execute(select(AuditEntry).order_by(AuditEntry.entity_id)).scalars().all()
    assert [(r.entity_id, r.actor, r.data.get("via")) for r in rows] == [
        (d, f"slack:{ANN}", "review_by_risk") for d in low_risk
    ]
    assert any(e.user == ANN and "Approved 3" in e.text for e in fake.ephemerals)
    assert "*Waiting for review*\n3" in texts(parent.blocks)


def test_review_by_risk_is_refused_to_someone_not_allowed(
    engine: Engine, fake: FakeSlack, web: TestClient, poster: SlackPoster
) -> None:
    store = seed(engine, plain=2)
    poster.post_campaign(store.campaign_id)
    parent = _parent(engine, fake, store.campaign_id)
    post(web, click(parent, ActionId.REVIEW_BY_RISK, EVE))
    eventually(lambda: fake.ephemerals, what="refusal")
    assert fake.views == [] and "Only reviewers" in fake.ephemerals[0].text
    assert all(draft_row(engine, d).state == "pending_review" for d in store.drafts)
