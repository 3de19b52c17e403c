"""Posted draft cards explain themselves: why this customer and why now, the qualifying row,
key metrics, the masked destination, consent and its source, the guardrails and the send time,
so a reviewer can approve from the card alone; within Block Kit's limits for a long draft."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from assistant.db import unit_of_work
from assistant.models import Customer, Draft
from connectors.slack.poster import SlackPoster
from tests.fakes.slack_server import FakeSlack, Posted
from tests.review.explained import Explained, add_explained_draft, playbook_facts, seed_explained
from tests.slack.helpers import texts

WHY = {
    "recognition": ("*Why:* segment *milestone*: Reached a milestone",
                    "• crossed 5,000 USD lifetime spend on 2026-11-30"),
    "check_in": ("*Why:* segment *recent_buyers_14d*: Bought in the last 14 days",
                 "• bought Cast Iron Skillet 10in on 2026-12-03 (4 days ago, order #100234)"),
    "upsell": ("*Why:* segment *product_fans*: Bought the same product on 3 separate days",
               "• bought Trail Runner 3 times since 2026-09-02"),
    "re_engagement": ("*Why:* segment *returned_relaunched*: Returned a product",
                      "• returned Rain Jacket on 2026-06-01 (fit); relaunched 2026-11-15: "
                      "improved seams"),
    "trigger": ("*Why:* trigger *milestone_crossed*: Milestones, fires on a milestone crossed",
                "• crossed 5,000 USD lifetime spend on 2026-11-30"),
}  # fmt: skip


@pytest.fixture
def explained(engine: Engine) -> Explained:
    return seed_explained(engine)


def _card(fake: FakeSlack, draft_id: int) -> Posted:
    posts = [
        m
        for m in fake.messages
        if (m.metadata or {}).get("event_payload", {}).get("draft_id") == draft_id
    ]
    assert len(posts) == 1
    return posts[0]


def _phone(engine: Engine, draft_id: int) -> str:
    with unit_of_work(engine) as session:
        draft = session.get(Draft, draft_id)
        assert draft is not None
        customer = session.get(Customer, draft.customer_id)
        assert customer is not None and customer.phone and customer.email
        return customer.phone


@pytest.mark.parametrize("key", list(WHY))
def test_a_posted_card_says_why_now_and_what_approving_does(
    engine: Engine, fake: FakeSlack, poster: SlackPoster, explained: Explained, key: str
) -> None:
    draft_id = explained.drafts[key]
    poster.post_draft(draft_id)

    card = _card(fake, draft_id)
    shown = texts(card.blocks)
    why, qualifying = WHY[key]
    assert why in shown and qualifying in shown
    for field in (
        "*Orders*\n12",
        "*Lifetime spend*\n5,120.50 USD",
        "*Predicted 12-month value*\n1,880.00 USD",
        "*Last order*\n2026-11-29",
        "*Consent*\ngranted (web_signup, 2026-01-02)",
        "*Guardrails:* all ",
    ):
        assert field in shown, field  # fmt: skip
    phone = _phone(engine, draft_id)
    assert f"*Goes to*\nSMS to {phone[:5]}•••{phone[-4:]}" in shown
    assert phone not in str(card.blocks) and "@example.com" not in str(card.blocks)
    assert "Private" not in str(card.blocks)  # never the last name
    send = shown.split("*Send time*\n", 1)[1].split("\n", 1)[0]
    assert send.startswith(("right away on approval", "on approval, at ")), send


def test_a_card_whose_customer_opted_out_shows_it_held_with_the_reason(
    fake: FakeSlack, poster: SlackPoster, explained: Explained
) -> None:
    draft_id = explained.drafts["opted_out"]
    poster.post_draft(draft_id)

    shown = texts(_card(fake, draft_id).blocks)
    assert "*Consent*\nnot granted (sms_keyword, 2026-01-02): the customer opted out" in shown
    assert "*Send time*\nheld: the customer opted out on this channel" in shown


def test_a_long_draft_with_long_facts_stays_within_block_kit_limits(
    engine: Engine, fake: FakeSlack, poster: SlackPoster
) -> None:
    facts = playbook_facts("re_engagement", "Lou")
    facts["relaunch"]["improvement"] = "stronger <!channel> seams " * 400
    facts["return"]["product"] = "Rain Jacket " + "x" * 3000
    with unit_of_work(engine) as session:
        draft_id = add_explained_draft(session, "re_engagement", "Lou", facts=facts)
        draft = session.get(Draft, draft_id)
        assert draft is not None
        draft.body = "Hi Lou, " + "the jacket is back and better. " * 600

    poster.post_draft(draft_id)

    card = _card(fake, draft_id)  # the fake refuses blocks over Slack's limits
    assert len(card.blocks) <= 50
    for block in card.blocks:
        assert len(block.get("fields") or []) <= 10
        assert all(len(f["text"]) <= 2000 for f in block.get("fields") or [])
        text = block.get("text")
        assert not isinstance(text, dict) or len(text["text"]) <= 3000
    shown = texts(card.blocks)
    assert "*Why:* segment *returned_relaunched*" in shown and "<!channel>" not in shown
    assert "*Send time*" in shown and "*Consent*" in shown
