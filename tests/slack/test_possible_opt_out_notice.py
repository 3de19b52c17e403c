"""A customer's message close to an opt-out shows in its Slack thread with a warning."""

from __future__ import annotations

from sqlalchemy import Engine

from assistant.db import unit_of_work
from assistant.models import Conversation
from connectors.slack.poster import SlackPoster
from tests.fakes.slack_server import FakeSlack
from tests.slack.helpers import CHANNEL
from tests.slack.seed import Store, inbound_message


def _thread_texts(engine: Engine, fake: FakeSlack, conversation_id: int) -> list[str]:
    with unit_of_work(engine) as session:
        thread_ts = session.get_one(Conversation, conversation_id).slack_thread_ts
    assert thread_ts is not None
    return [m.text for m in fake.thread(CHANNEL, thread_ts)]


def test_a_possible_opt_out_is_posted_with_a_warning(
    engine: Engine, fake: FakeSlack, poster: SlackPoster, store: Store
) -> None:
    conversation_id, message_id = inbound_message(engine, store, "can you stop the order?")
    poster.post_conversation_message(message_id)
    [text] = _thread_texts(engine, fake, conversation_id)
    assert text.startswith(":warning: Possible opt-out: read it before replying")
    assert text.endswith("Maya: can you stop the order?")


def test_an_ordinary_message_has_no_warning(
    engine: Engine, fake: FakeSlack, poster: SlackPoster, store: Store
) -> None:
    conversation_id, message_id = inbound_message(engine, store, "the lid doesn't fit")
    poster.post_conversation_message(message_id)
    assert _thread_texts(engine, fake, conversation_id) == ["Maya: the lid doesn't fit"]
