"""Regenerate: marked first (decisions wait), then written again by the drafting pipeline."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, update

from assistant.config import Settings
from assistant.db import unit_of_work
from assistant.drafting.brand import Brand
from assistant.drafting.factory import DrafterConfigError
from assistant.jobs.registry import get_task
from assistant.models import Draft
from assistant.models.base import utcnow
from assistant.ports import Drafter, ReviewChannel
from assistant.review import service, tasks
from assistant.review.actors import Actor
from assistant.wiring import build_drafter
from tests.review.helpers import ScriptedDrafter, audit_rows, draft_row, handing, pending_store

ANA = Actor("slack:U0ANA", "Ana")
BEN = Actor("slack:U0BEN", "Ben")
CLEAN = "Hi Maya, how is the Cast Iron Skillet 10in treating you? Just reply if you need a hand."
PRICED = "Hi Maya, the Cast Iron Skillet 10in is now $19.99, a steal. Sam at Ember & Oak"


def _request(engine: Engine, draft_id: int, actor: Actor, instruction: str | None) -> bool:
    with unit_of_work(engine) as session:
        outcome = service.request_regeneration(
            session, draft_id, actor=actor, instruction=instruction
        )
    return outcome.applied


def test_regenerate_with_an_instruction_writes_a_new_text(engine: Engine) -> None:
    store = pending_store(engine, ("Maya",))
    draft_id = store.drafts["Maya"]
    before = draft_row(engine, draft_id)

    assert _request(engine, draft_id, ANA, "  mention the\nespresso   machine ")
    marked = draft_row(engine, draft_id)
    assert marked.regenerating_at is not None and marked.version == before.version + 1
    assert marked.body == before.body

    with unit_of_work(engine) as session:
        outcome = service.regenerate(
            session, draft_id, "mention the espresso machine", build_drafter=build_drafter
        )

    assert outcome.applied and outcome.state == "pending_review"
    after = draft_row(engine, draft_id)
    assert after.body != before.body and "Maya" in after.body
    assert after.version == marked.version + 1
    assert after.regenerating_at is None and after.state == "pending_review"
    assert after.attempts > before.attempts and after.model == "offline"
    assert after.findings["instruction"] == "mention the espresso machine"
    requested, regenerated = audit_rows(engine, draft_id)
    assert (requested.action, requested.actor) == ("draft.regeneration_requested", ANA.id)
    assert requested.data["instruction"] == "mention the espresso machine"
    assert requested.data["version"] == marked.version
    assert (regenerated.action, regenerated.actor) == ("draft.regenerated", ANA.id)
    assert regenerated.data["before"]["body"] == before.body
    assert regenerated.data["after"]["body"] == after.body
    assert regenerated.data["version"] == after.version

    # The new text is reviewed like any other.
    with unit_of_work(engine) as session:
        assert service.decide(session, draft_id, action="approve", actor=BEN).applied


def test_the_instruction_reaches_the_drafter(engine: Engine) -> None:
    store = pending_store(engine, ("Maya",))
    draft_id = store.drafts["Maya"]
    drafter = ScriptedDrafter(CLEAN)
    with unit_of_work(engine) as session:
        outcome = service.regenerate(
            session, draft_id, "warmer", actor=BEN, build_drafter=handing(drafter)
        )
    assert outcome.applied
    (request,) = drafter.requests
    assert request.instruction == "warmer" and "warmer" in request.prompt
    assert request.playbook == "check_in" and request.facts["customer"]["first_name"] == "Maya"
    row = draft_row(engine, draft_id)
    assert row.body == CLEAN and row.model == "scripted"
    assert audit_rows(engine, draft_id)[-1].actor == BEN.id


def test_decisions_wait_while_a_regeneration_runs(engine: Engine) -> None:
    store = pending_store(engine, ("Maya",))
    draft_id = store.drafts["Maya"]
    assert _request(engine, draft_id, ANA, None)

    with unit_of_work(engine) as session:
        approve = service.decide(session, draft_id, action="approve", actor=BEN)
        twice = service.request_regeneration(session, draft_id, actor=BEN, instruction="shorter")
    for refused in (approve, twice):
        assert not refused.applied and refused.decided_by == ANA.id
        assert "being regenerated at the request of slack:U0ANA" in refused.message
    assert draft_row(engine, draft_id).state == "pending_review"
    assert [e.action for e in audit_rows(engine, draft_id)] == ["draft.regeneration_requested"]


def test_a_dead_regeneration_times_out(engine: Engine) -> None:
    store = pending_store(engine, ("Maya",))
    draft_id = store.drafts["Maya"]
    assert _request(engine, draft_id, ANA, None)
    job_version = draft_row(engine, draft_id).version
    with unit_of_work(engine) as session:
        session.execute(
            update(Draft)
            .where(Draft.id == draft_id)
            .values(regenerating_at=utcnow() - timedelta(minutes=11))
        )
        assert service.decide(session, draft_id, action="approve", actor=BEN).applied

    # The worker that was given up on finishes late: its text is discarded.
    with unit_of_work(engine) as session:
        job = service.prepare_regeneration(session, draft_id)
    assert job.version == job_version + 1
    with unit_of_work(engine) as session:
        late = service.regenerate(
            session, draft_id, None, build_drafter=handing(ScriptedDrafter(CLEAN))
        )
    assert not late.applied and late.state == "approved"
    row = draft_row(engine, draft_id)
    assert row.state == "approved" and row.body != CLEAN


def test_a_failed_regeneration_keeps_the_text_and_unblocks(engine: Engine) -> None:
    store = pending_store(engine, ("Maya",))
    draft_id = store.drafts["Maya"]
    before = draft_row(engine, draft_id)
    assert _request(engine, draft_id, ANA, "shorter")
    with unit_of_work(engine) as session:
        outcome = service.regenerate(
            session, draft_id, "shorter", build_drafter=handing(ScriptedDrafter())
        )
    assert not outcome.applied and "regeneration failed (refused)" in outcome.message
    row = draft_row(engine, draft_id)
    assert row.body == before.body and row.regenerating_at is None
    assert row.state == "pending_review"
    failed = audit_rows(engine, draft_id)[-1]
    assert (failed.action, failed.actor, failed.data["reason"]) == (
        "draft.regeneration_failed",
        ANA.id,
        "refused",
    )
    with unit_of_work(engine) as session:
        assert service.decide(session, draft_id, action="approve", actor=BEN).applied


def test_a_drafter_that_cannot_be_built_fails_the_regeneration_as_config(
    engine: Engine,
) -> None:
    store = pending_store(engine, ("Maya",))
    draft_id = store.drafts["Maya"]
    before = draft_row(engine, draft_id)
    assert _request(engine, draft_id, ANA, None)

    def unconfigured(settings: Settings, brand: Brand) -> Drafter:
        raise DrafterConfigError("ASSISTANT_LLM=openai needs OPENAI_API_KEY")

    outcome = tasks.regenerate_draft(draft_id, build_drafter=unconfigured, engine=engine)
    assert not outcome.applied and "regeneration failed (config)" in outcome.message
    row = draft_row(engine, draft_id)
    assert row.body == before.body and row.regenerating_at is None
    assert audit_rows(engine, draft_id)[-1].data["reason"] == "config"


def test_a_blocked_regeneration_needs_attention(engine: Engine) -> None:
    store = pending_store(engine, ("Maya",))
    draft_id = store.drafts["Maya"]
    drafter = ScriptedDrafter(PRICED, PRICED)
    with unit_of_work(engine) as session:
        outcome = service.regenerate(
            session, draft_id, "mention the price", build_drafter=handing(drafter)
        )
    assert outcome.applied and outcome.state == "needs_attention"
    assert "invented_price" in {f.code for f in outcome.findings}
    # The second attempt was told what blocked the first.
    assert drafter.requests[1].feedback and "invented_price" in drafter.requests[1].feedback[0]
    row = draft_row(engine, draft_id)
    assert row.state == "needs_attention" and row.findings["blocked"] is True
    with unit_of_work(engine) as session:
        refused = service.decide(session, draft_id, action="approve", actor=BEN)
    assert not refused.applied


class RecordingChannel:
    """A ReviewChannel that records what it was asked to show."""

    def __init__(self) -> None:
        self.updated: list[int] = []

    def post_draft(self, draft_id: int) -> None:
        raise AssertionError("not expected")

    def update_draft(self, draft_id: int) -> None:
        self.updated.append(draft_id)

    def post_campaign(self, campaign_id: int) -> None:
        raise AssertionError("not expected")

    def post_conversation_message(self, message_id: int) -> None:
        raise AssertionError("not expected")


def test_the_background_task_drafts_between_two_units_of_work(engine: Engine) -> None:
    store = pending_store(engine, ("Maya",))
    draft_id = store.drafts["Maya"]
    assert _request(engine, draft_id, ANA, "warmer")
    channel = RecordingChannel()
    assert isinstance(channel, ReviewChannel)
    outcome = tasks.regenerate_draft(
        draft_id,
        "warmer",
        build_drafter=build_drafter,
        actor_id=ANA.id,
        engine=engine,
        channel=channel,
    )
    assert outcome.applied and channel.updated == [draft_id]
    row = draft_row(engine, draft_id)
    assert row.regenerating_at is None and row.findings["instruction"] == "warmer"
    assert audit_rows(engine, draft_id)[-1].action == "draft.regenerated"


def test_regenerating_a_decided_draft_changes_nothing(engine: Engine) -> None:
    store = pending_store(engine, ("Maya",))
    draft_id = store.drafts["Maya"]
    with unit_of_work(engine) as session:
        service.decide(session, draft_id, action="reject", actor=ANA)
    with unit_of_work(engine) as session:
        asked = service.request_regeneration(session, draft_id, actor=BEN, instruction=None)
        done = service.regenerate(
            session, draft_id, None, build_drafter=handing(ScriptedDrafter(CLEAN))
        )
    assert not asked.applied and asked.decided_by == ANA.id
    assert not done.applied and done.state == "rejected"
    assert draft_row(engine, draft_id).body != CLEAN


def test_the_task_is_registered_and_writes_only_a_pending_request(engine: Engine) -> None:
    assert get_task(tasks.REGENERATE) is tasks.regenerate
    store = pending_store(engine, ("Maya", "Leo"))
    # Never asked for: nothing is drafted, nothing recorded.
    untouched = store.drafts["Leo"]
    assert tasks.regenerate(untouched, "warmer", ANA.id) is False
    assert audit_rows(engine, untouched) == [] and draft_row(engine, untouched).version == 1

    draft_id = store.drafts["Maya"]
    assert _request(engine, draft_id, ANA, None)
    # A dead regeneration, given up on; the draft is overridden/edited meanwhile (a new
    # version): the late task writes nothing and clears the old mark.
    with unit_of_work(engine) as session:
        session.execute(
            update(Draft)
            .where(Draft.id == draft_id)
            .values(regenerating_at=utcnow() - timedelta(minutes=11), version=Draft.version + 1)
        )
    assert tasks.regenerate(draft_id, None, ANA.id) is False
    row = draft_row(engine, draft_id)
    assert row.regenerating_at is None and row.state == "pending_review"
    assert [e.action for e in audit_rows(engine, draft_id)] == ["draft.regeneration_requested"]
