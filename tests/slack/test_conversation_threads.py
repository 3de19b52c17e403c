"""A customer's reply and its suggested answer go into the conversation's Slack thread, once."""

from __future__ import annotations

from sqlalchemy import Engine

from assistant.db import unit_of_work
from assistant.models import Conversation, Customer, Draft
from connectors.slack.actions import ActionId
from connectors.slack.poster import SlackPoster
from tests.fakes.slack_server import FakeSlack
from tests.slack.helpers import CHANNEL, button
from tests.slack.seed import Store, inbound_message


def test_the_inbound_message_starts_a_thread_once_and_the_reply_card_joins_it(
    engine: Engine, fake: FakeSlack, poster: SlackPoster, store: Store
) -> None:
    conversation_id, message_id = inbound_message(engine, store, "<!here> the lid doesn't fit")
    poster.post_conversation_message(message_id)
    poster.post_conversation_message(message_id)  # a redelivered task
    with unit_of_work(engine) as session:
        conversation = session.get_one(Conversation, conversation_id)
        assert conversation.slack_channel == CHANNEL and conversation.slack_thread_ts
        thread_ts = conversation.slack_thread_ts
        reply = session.get_one(Draft, store.drafts[0])
        reply.campaign_id, reply.conversation_id = None, conversation_id
    thread = fake.thread(CHANNEL, thread_ts)
    assert [m.text for m in thread] == ["Maya: &lt;!here&gt; the lid doesn't fit"]

    poster.post_draft(store.drafts[0])
    thread = fake.thread(CHANNEL, thread_ts)
    assert len(thread) == 2
    assert thread[1].metadata == {
        "event_type": "assistant_draft_card",
        "event_payload": {"draft_id": store.drafts[0]},
    }


def test_a_thread_with_no_outreach_to_answer_names_the_customer_and_says_so(
    engine: Engine, fake: FakeSlack, poster: SlackPoster, store: Store
) -> None:
    conversation_id, message_id = inbound_message(engine, store, "hi, do you ship to Canada?")
    phone = "+14155554321"
    with unit_of_work(engine) as session:
        session.get_one(Customer, store.customers[0]).phone = phone
    poster.post_conversation_message(message_id)
    [root] = [m for m in fake.messages if m.thread_ts is None]
    assert "Conversation with Maya" in root.text and "(•••• 4321)" in root.text
    assert phone not in root.text
    assert "No outreach of ours to answer" in root.text
    assert button(root, ActionId.REPLY)["value"] == str(conversation_id)
    [shown] = fake.thread(CHANNEL, root.ts)
    assert button(shown, ActionId.REPLY)["value"] == str(conversation_id)


def test_a_conversation_draft_always_goes_into_the_conversation_s_thread(
    engine: Engine, fake: FakeSlack, poster: SlackPoster, store: Store
) -> None:
    conversation_id, _ = inbound_message(engine, store, "is it oven safe?")
    with unit_of_work(engine) as session:  # no thread yet, and (oddly) a campaign set too
        session.get_one(Draft, store.drafts[0]).conversation_id = conversation_id
    poster.post_draft(store.drafts[0])
    with unit_of_work(engine) as session:
        conversation = session.get_one(Conversation, conversation_id)
        draft = session.get_one(Draft, store.drafts[0])
        assert conversation.slack_thread_ts is not None
    [card] = fake.thread(CHANNEL, conversation.slack_thread_ts)
    assert card.ts == draft.slack_ts
    assert card.metadata == {
        "event_type": "assistant_draft_card",
        "event_payload": {"draft_id": store.drafts[0]},
    }
    assert not any("campaign" in str(m.metadata) for m in fake.messages)
