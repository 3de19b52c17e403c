"""End to end: an inbound SMS gets a suggested reply that answers what the customer said."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.conversations import service
from assistant.db import unit_of_work
from assistant.models import Draft, DraftState
from assistant.review import service as review
from assistant.review.actors import Actor
from assistant.wiring import build_drafter
from tests.conversations.helpers import conversations, drafts, seed_outreach, text_from

COMPLAINT = "the bag was torn open, can you send another?"


def test_a_complaint_by_sms_gets_an_apology_and_a_next_step(
    engine: Engine, web: TestClient
) -> None:
    seeded = seed_outreach(engine)
    text_from(web, seeded.phone, COMPLAINT)
    [suggestion] = drafts(engine, playbook="reply")
    assert suggestion.state == DraftState.PENDING_REVIEW
    assert suggestion.facts["inbound"] == {"kind": "complaint", "asks": []}
    body = suggestion.body.lower()
    assert "sorry" in body and ("make it right" in body or "put it right" in body)
    assert "kind of you" not in body and "made my day" not in body
    assert "refund" not in body and "replacement" not in body
    assert suggestion.findings["blocked"] is False
    assert "reply_thanks_complaint" not in {i["code"] for i in suggestion.findings["items"]}
    # The customer's words stay in the conversation, never among the facts.
    assert COMPLAINT not in str({k: v for k, v in suggestion.facts.items() if k != "conversation"})


def test_a_staff_reply_thanking_a_complaint_is_refused(engine: Engine, web: TestClient) -> None:
    seeded = seed_outreach(engine)
    text_from(web, seeded.phone, "Not happy - the skillet handle is cracked 😞")
    [conversation] = conversations(engine, seeded.customer_id)
    with unit_of_work(engine) as session:
        refused = service.staff_reply(
            session, conversation.id, Actor("slack:U0ANN", "Ann"), "Aw, thanks Maya! - Sam"
        )
    assert not refused.applied
    assert "reply_thanks_complaint" in {f.code for f in refused.findings}
    with unit_of_work(engine) as session:
        accepted = service.staff_reply(
            session,
            conversation.id,
            Actor("slack:U0ANN", "Ann"),
            "Maya, I'm so sorry about the handle. I'll look into it today. - Sam",
        )
    assert accepted.applied


def test_a_question_the_order_answers_is_answered_from_the_facts(
    engine: Engine, web: TestClient
) -> None:
    seeded = seed_outreach(engine)
    text_from(web, seeded.phone, "when did i order it again?")
    [suggestion] = drafts(engine, playbook="reply")
    assert suggestion.facts["inbound"] == {"kind": "question", "asks": ["order_date"]}
    assert "Cast Iron Skillet 10in" in suggestion.body and "November 18" in suggestion.body
    assert suggestion.state == DraftState.PENDING_REVIEW


def test_a_suggestion_stored_before_the_classification_can_still_be_regenerated(
    engine: Engine, web: TestClient
) -> None:
    seeded = seed_outreach(engine)
    text_from(web, seeded.phone, COMPLAINT)
    [suggestion] = drafts(engine, playbook="reply")
    with unit_of_work(engine) as session:
        row = session.get_one(Draft, suggestion.id)
        row.facts = {k: v for k, v in row.facts.items() if k != "inbound"}  # an older row
    ann = Actor("slack:U0ANN", "Ann")
    with unit_of_work(engine) as session:
        assert review.request_regeneration(session, suggestion.id, actor=ann, instruction=None)
    with unit_of_work(engine) as session:
        outcome = review.regenerate(session, suggestion.id, build_drafter=build_drafter)
    assert outcome.applied
    [after] = drafts(engine, id=suggestion.id)
    assert after.version > suggestion.version and "sorry" in after.body.lower()
