"""Override on a blocked card: the modal asks for a reason, the audit log keeps it, the card
then offers Approve; invented offers are refused at once; a missing reason shows on the field."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from assistant.db import unit_of_work
from assistant.drafting.guardrails import blocking, check_draft
from assistant.models import AuditEntry, Draft
from assistant.review import service as review_service
from connectors.slack.actions import ActionId, BlockId
from connectors.slack.poster import SlackPoster
from tests.fakes.slack_server import FakeSlack, OpenedView, Posted
from tests.slack.helpers import ANN, CHANNEL, EVE, button, click, eventually, post, submit, texts
from tests.slack.seed import Store, upsell_facts

NEAR_YOU = "Hi {name}, our new pop-up shop is near you, come and say hello! Warmly, Sam"
FREE = "Hi {name}, enjoy free shipping on your next order of our Ground Coffee 1kg! Warmly, Sam"


def block(engine: Engine, draft_id: int, template: str) -> list[str]:
    """Give the draft a text the real guardrails block; the blocking codes."""
    with unit_of_work(engine) as session:
        draft = session.get_one(Draft, draft_id)
        name = draft.facts["customer"]["first_name"]
        body = template.format(name=name)
        policy = review_service.guardrail_policy(session)
        found = check_draft(channel="sms", body=body, facts=upsell_facts(name), policy=policy)
        assert blocking(found)
        session.execute(
            update(Draft)
            .where(Draft.id == draft_id)
            .values(
                body=body,
                state="needs_attention",
                findings={"blocked": True, "items": [f.as_dict() for f in found]},
            )
        )
        return [f.code for f in found if f.severity == "block"]


@pytest.fixture
def cards(engine: Engine, poster: SlackPoster, fake: FakeSlack, store: Store) -> list[Posted]:
    """The campaign posted with its first draft blocked as 'near you', the second as an offer."""
    assert block(engine, store.drafts[0], NEAR_YOU) == ["intrusive_location"]
    assert "invented_offer" in block(engine, store.drafts[1], FREE)
    poster.post_campaign(store.campaign_id)

    def card(draft_id: int) -> Posted:
        with unit_of_work(engine) as session:
            ts = session.get_one(Draft, draft_id).slack_ts or ""
        return fake.message(CHANNEL, ts)

    return [card(store.drafts[0]), card(store.drafts[1]), card(store.drafts[2])]


def opened(fake: FakeSlack) -> OpenedView:
    return eventually(lambda: fake.views[-1] if fake.views else None, what="views.open")


def state(engine: Engine, draft_id: int) -> str:
    with unit_of_work(engine) as session:
        return session.get_one(Draft, draft_id).state


def overrides(engine: Engine, draft_id: int) -> list[AuditEntry]:
    with unit_of_work(engine) as session:
        query = select(AuditEntry).where(
            AuditEntry.entity_id == draft_id, AuditEntry.action == "draft.findings_overridden"
        )
        return list(session.execute(query).scalars())


def test_only_a_blocked_card_has_override(cards: list[Posted]) -> None:
    blocked, _, clean = cards

    assert button(blocked, ActionId.OVERRIDE)["text"]["text"] == "Override"
    with pytest.raises(KeyError):
        button(blocked, ActionId.APPROVE)
    with pytest.raises(KeyError):
        button(clean, ActionId.OVERRIDE)


def test_override_with_a_reason_is_audited_and_the_card_then_offers_approve(
    engine: Engine, fake: FakeSlack, web: TestClient, store: Store, cards: list[Posted]
) -> None:
    blocked = cards[0]
    draft_id = store.drafts[0]
    assert post(web, click(blocked, ActionId.OVERRIDE, ANN)).status_code == 200
    modal = opened(fake)
    assert "intrusive_location" in texts(modal.view["blocks"])

    response = post(web, submit(modal, ANN, {BlockId.REASON: "It's a real pop-up event"}))

    assert response.status_code == 200 and not response.content.strip(b"{}")
    eventually(lambda: blocked.updates >= 1 or None, what="card update")
    assert button(blocked, ActionId.APPROVE)
    with pytest.raises(KeyError):
        button(blocked, ActionId.OVERRIDE)
    assert "overridden by" in texts(blocked.blocks)
    (entry,) = overrides(engine, draft_id)
    assert entry.actor == f"slack:{ANN}"
    assert entry.data["codes"] == ["intrusive_location"]
    assert entry.data["reason"] == "It's a real pop-up event"

    assert post(web, click(blocked, ActionId.APPROVE, ANN)).status_code == 200
    eventually(lambda: state(engine, draft_id) == "approved" or None, what="approved")


def test_an_empty_reason_comes_back_as_a_field_error(
    engine: Engine, fake: FakeSlack, web: TestClient, store: Store, cards: list[Posted]
) -> None:
    post(web, click(cards[0], ActionId.OVERRIDE, ANN))

    response = post(web, submit(opened(fake), ANN, {BlockId.REASON: "  "}))

    answer = response.json()
    assert answer["response_action"] == "errors"
    assert "needs a reason" in answer["errors"][BlockId.REASON]
    assert overrides(engine, store.drafts[0]) == []


def test_an_invented_offer_is_refused_at_once_without_a_modal(
    engine: Engine, fake: FakeSlack, web: TestClient, store: Store, cards: list[Posted]
) -> None:
    post(web, click(cards[1], ActionId.OVERRIDE, ANN))

    told = eventually(lambda: fake.ephemerals, what="ephemeral")
    assert "cannot be overridden" in told[0].text and "invented_offer" in told[0].text
    assert fake.views == []
    with unit_of_work(engine) as session:
        assert session.get_one(Draft, store.drafts[1]).state == "needs_attention"


def test_someone_who_is_not_a_reviewer_cannot_override(
    engine: Engine, fake: FakeSlack, web: TestClient, store: Store, cards: list[Posted]
) -> None:
    post(web, click(cards[0], ActionId.OVERRIDE, EVE))

    told = eventually(lambda: fake.ephemerals, what="ephemeral")
    assert "Only reviewers" in told[0].text and fake.views == []
    assert overrides(engine, store.drafts[0]) == []
