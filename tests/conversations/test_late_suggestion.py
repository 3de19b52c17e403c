"""A suggestion drafted for a message the customer has since followed up never replaces the
suggestion for their newer message (two quick texts, drafted in parallel)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.conversations import suggest
from assistant.db import unit_of_work
from assistant.drafting.generate import Outcome
from assistant.models.base import utcnow
from tests.conversations.helpers import conversations, drafts, messages, seed_outreach, text_from
from tests.fakes.twilio_server import FakeTwilioServer

OPEN = ("pending_review", "needs_attention")


def test_a_late_suggestion_for_an_older_message_is_dropped(
    engine: Engine, web: TestClient, twilio: FakeTwilioServer
) -> None:
    seeded = seed_outreach(engine)
    text_from(web, seeded.phone, "Is the skillet oven safe?")
    text_from(web, seeded.phone, "Actually, does it work on induction too?")
    older, newer = [m for m in messages(engine, direction="inbound")][-2:]
    [conversation] = conversations(engine, seeded.customer_id)
    standing = [d for d in drafts(engine, playbook="reply") if d.state in OPEN]
    assert len(standing) == 1

    # The older message's job finishes drafting only now, after the newer one was answered.
    late = suggest.SuggestionJob(
        inbound_id=older.id,
        conversation_id=conversation.id,
        customer_id=seeded.customer_id,
        key=suggest.suggestion_key(conversation.id, older.id) + ":late",
        facts={},
        catalog_names=(),
    )
    outcome = Outcome(
        customer_id=seeded.customer_id,
        facts={},
        state="pending_review",
        body="Hi Maya, yes, it is oven safe. - Sam",
    )
    with unit_of_work(engine) as session:
        stored = suggest.store(session, late, outcome, now=utcnow())
    assert stored.draft_id is None and not stored.superseded
    after = [d for d in drafts(engine, playbook="reply") if d.state in OPEN]
    assert [d.id for d in after] == [standing[0].id]
    assert newer.id > older.id
