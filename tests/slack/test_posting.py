"""Posting cards: campaign parent and threaded drafts, exactly once, through outages and 429s."""

from __future__ import annotations

import itertools
import threading
from datetime import timedelta

from sqlalchemy import Engine

from assistant.db import unit_of_work
from assistant.models import Campaign, Draft
from assistant.review import service
from assistant.review.actors import Actor
from connectors.slack.actions import ActionId
from connectors.slack.poster import PostOutcome, SlackPoster
from connectors.slack.transport import ChannelPacer, build_client
from tests.fakes.slack_server import BOT_TOKEN, FakeSlack
from tests.slack.helpers import CHANNEL, button, eventually, has_buttons, texts
from tests.slack.seed import Store, seed


def _draft(engine: Engine, draft_id: int) -> Draft:
    with unit_of_work(engine) as session:
        draft = session.get(Draft, draft_id)
        assert draft is not None
        return draft


def _campaign(engine: Engine, campaign_id: int) -> Campaign:
    with unit_of_work(engine) as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        return campaign


def _posts_of(fake: FakeSlack, draft_id: int) -> list[object]:
    return [
        m
        for m in fake.messages
        if (m.metadata or {}).get("event_payload", {}).get("draft_id") == draft_id
    ]


def test_campaign_parent_has_counts_and_samples_and_drafts_are_threaded_under_it(
    engine: Engine, fake: FakeSlack, poster: SlackPoster, store: Store
) -> None:
    poster.post_campaign(store.campaign_id)

    campaign = _campaign(engine, store.campaign_id)
    assert campaign.slack_channel == CHANNEL and campaign.slack_ts
    parent = fake.message(CHANNEL, campaign.slack_ts)
    shown = texts(parent.blocks)
    assert "Upsell November" in shown
    assert "*Waiting for review*\n3" in shown
    assert "Maya" in shown and "Jonas" in shown and "Priya" in shown  # samples
    assert button(parent, ActionId.REVIEW_BY_RISK)["value"] == str(store.campaign_id)
    assert parent.thread_ts is None

    thread = fake.thread(CHANNEL, campaign.slack_ts)
    assert len(thread) == len(store.drafts)
    for draft_id in store.drafts:
        draft = _draft(engine, draft_id)
        card = fake.message(CHANNEL, draft.slack_ts or "")
        assert card.thread_ts == campaign.slack_ts
        assert draft.body in texts(card.blocks)
        assert button(card, ActionId.APPROVE)["value"] == f"{draft_id}:{draft.version}"
        assert "Favourite: Ground Coffee 1kg bought 3 times" in texts(card.blocks)  # receipt
        assert "SMS, 2 segments" in texts(card.blocks) or "SMS, 1 segment" in texts(card.blocks)
        assert card.text  # notification fallback

    # Posting again refreshes the parent and never posts anything twice.
    poster.post_campaign(store.campaign_id)
    poster.retry_unposted()
    assert len(fake.calls_of("chat.postMessage", ok=True)) == 1 + len(store.drafts)
    assert parent.updates == 1


def test_a_slack_outage_leaves_the_draft_pending_and_it_is_posted_once_later(
    engine: Engine, fake: FakeSlack, poster: SlackPoster, store: Store
) -> None:
    fake.outage = "5xx"
    poster.post_campaign(store.campaign_id)
    poster.post_draft(store.drafts[0])
    assert fake.calls_of("chat.postMessage") and not fake.messages
    for draft_id in store.drafts:
        draft = _draft(engine, draft_id)
        assert draft.state == "pending_review"
        assert (draft.slack_ts, draft.slack_claimed_at, draft.slack_channel) == (None, None, None)
    campaign = _campaign(engine, store.campaign_id)
    assert (campaign.slack_ts, campaign.slack_claimed_at) == (None, None)

    fake.outage = None
    assert poster.retry_unposted() == len(store.drafts)
    assert poster.retry_unposted() == 0
    poster.post_campaign(store.campaign_id)
    for draft_id in store.drafts:
        assert len(_posts_of(fake, draft_id)) == 1
        assert _draft(engine, draft_id).slack_ts
    assert len(fake.calls_of("chat.postMessage", ok=True)) == 1 + len(store.drafts)


def test_an_unreachable_slack_is_a_failed_post_retried_later(
    engine: Engine, fake: FakeSlack, store: Store
) -> None:
    closed = FakeSlack().start()
    url = closed.api_url
    closed.stop()  # nothing listens there any more: connection refused
    down = SlackPoster(build_client(BOT_TOKEN, url), CHANNEL, engine=engine)
    down.post_draft(store.drafts[0])
    draft = _draft(engine, store.drafts[0])
    assert (draft.slack_ts, draft.slack_claimed_at) == (None, None)
    up = SlackPoster(build_client(BOT_TOKEN, fake.api_url), CHANNEL, engine=engine)
    up.post_draft(store.drafts[0])
    assert len(_posts_of(fake, store.drafts[0])) == 1


def test_a_post_whose_answer_was_lost_is_found_in_slack_not_posted_again(
    engine: Engine, fake: FakeSlack, poster: SlackPoster, store: Store
) -> None:
    poster.post_campaign(store.campaign_id)  # parent and the cards
    fresh = seed(engine, plain=1)
    fake.accept_then_drop("chat.postMessage", times=2)  # the parent, then the card
    assert poster._post_draft(fresh.drafts[0]) is PostOutcome.FAILED  # parent uncertain
    campaign = _campaign(engine, fresh.campaign_id)
    assert campaign.slack_ts is None and campaign.slack_claimed_at is not None

    # A sweep before the claim is stale leaves it alone: the post may still be on its way.
    assert poster.retry_unposted() == 0
    sweeper = SlackPoster(
        poster.client, CHANNEL, engine=engine, pacer=ChannelPacer(0), claim_ttl=timedelta(0)
    )
    sweeper.retry_unposted()  # finds the parent in the channel's history, then posts the card
    campaign = _campaign(engine, fresh.campaign_id)
    assert campaign.slack_ts and len(fake.thread(CHANNEL, campaign.slack_ts)) == 1
    # The card's own post was dropped after it took effect: found again, not reposted.
    draft = _draft(engine, fresh.drafts[0])
    assert draft.slack_ts is None and draft.slack_claimed_at is not None
    sweeper.retry_unposted()
    draft = _draft(engine, fresh.drafts[0])
    assert draft.slack_ts and len(_posts_of(fake, fresh.drafts[0])) == 1
    parents = [
        m for m in fake.messages if (m.metadata or {}).get("event_type") == "assistant_campaign"
    ]
    assert len(parents) == 2  # one per campaign, never two
    assert fake.calls_of("conversations.history") and fake.calls_of("conversations.replies")


def test_429_retry_after_is_honoured(
    engine: Engine, fake: FakeSlack, poster: SlackPoster, store: Store
) -> None:
    fake.fail("chat.postMessage", status=429, retry_after=1)
    poster.post_campaign(store.campaign_id)
    calls = fake.calls_of("chat.postMessage")
    assert [c.status for c in calls[:2]] == [429, 200]
    assert calls[1].at - calls[0].at >= 1.0
    assert len(fake.calls_of("chat.postMessage", ok=True)) == 1 + len(store.drafts)
    assert all(_draft(engine, d).slack_ts for d in store.drafts)


def test_about_one_message_per_second_per_channel(
    engine: Engine, fake: FakeSlack, store: Store
) -> None:
    fake.channel_interval = 0.2  # Slack answers 429 to anything faster
    paced = SlackPoster(
        build_client(BOT_TOKEN, fake.api_url), CHANNEL, engine=engine, pacer=ChannelPacer(0.3)
    )
    paced.post_campaign(store.campaign_id)
    calls = fake.calls_of("chat.postMessage")
    assert all(c.status == 200 for c in calls) and len(calls) == 1 + len(store.drafts)
    gaps = [b.at - a.at for a, b in itertools.pairwise(calls)]
    assert min(gaps) >= 0.2


def test_a_decision_made_while_the_card_was_posting_shows_up_on_it(
    engine: Engine, fake: FakeSlack, poster: SlackPoster, store: Store
) -> None:
    poster.post_campaign(store.campaign_id)
    late = seed(engine, plain=1)
    poster.post_campaign(late.campaign_id)  # the parent; its one card is posted too
    fresh = seed(engine, plain=1).drafts[0]
    with unit_of_work(engine) as session:
        draft = session.get(Draft, fresh)
        assert draft is not None
        draft.campaign_id = None  # a card of its own, straight in the channel
    fake.slow("chat.postMessage", 1.0)
    posting = threading.Thread(target=poster.post_draft, args=(fresh,))
    posting.start()
    eventually(lambda: _posts_of(fake, fresh), what="the post to reach Slack")
    with unit_of_work(engine) as session:
        outcome = service.decide(session, fresh, action="approve", actor=Actor("terminal:ana"))
    assert outcome.applied
    posting.join()
    card = _posts_of(fake, fresh)[0]
    assert len(_posts_of(fake, fresh)) == 1
    assert card.updates == 1 and not has_buttons(card.blocks)
    assert "Approved" in texts(card.blocks) and "ana (terminal)" in texts(card.blocks)


def test_a_draft_decided_before_it_had_a_card_gets_none(
    engine: Engine, fake: FakeSlack, poster: SlackPoster, store: Store
) -> None:
    with unit_of_work(engine) as session:
        service.decide(session, store.drafts[0], action="reject", actor=Actor("terminal:ana"))
    poster.update_draft(store.drafts[0])
    poster.post_campaign(store.campaign_id)
    assert not _posts_of(fake, store.drafts[0])
    assert all(_posts_of(fake, d) for d in store.drafts[1:])


def test_text_is_escaped_and_kept_within_block_kit_limits(
    engine: Engine, fake: FakeSlack, poster: SlackPoster, store: Store
) -> None:
    long_body = "<!channel> Hi Maya, " + "a very long story about coffee. " * 400
    with unit_of_work(engine) as session:
        draft = session.get(Draft, store.drafts[0])
        assert draft is not None
        draft.body = long_body
    poster.post_draft(store.drafts[0])
    card = fake.message(CHANNEL, _draft(engine, store.drafts[0]).slack_ts or "")
    sections = [b for b in card.blocks if b["type"] == "section"]
    assert all(len(b["text"]["text"]) <= 3000 for b in sections)
    body_sections = [b for b in sections if b["text"]["type"] == "plain_text"]
    assert body_sections and "Edit shows the full text" in body_sections[-1]["text"]["text"]
    # Shown as plain text: Slack never turns it into a mention.
    assert body_sections[0]["text"]["text"].startswith("<!channel>")
    assert all(
        "<!channel>" not in b["text"]["text"] for b in sections if b["text"]["type"] == "mrkdwn"
    )
