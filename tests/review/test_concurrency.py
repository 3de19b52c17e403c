"""Two reviewers deciding the same draft at once: exactly one decision applies.

Each reviewer has its own session on its own database connection, in its own thread, as two
Slack clicks served by two web workers would.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine

from assistant.db import session_factory, unit_of_work
from assistant.review import service
from assistant.review.actors import Actor
from tests.review.helpers import audit_rows, draft_row, pending_store

ANA = Actor("slack:U0ANA", "Ana")
BEN = Actor("slack:U0BEN", "Ben")


def _decide_at_once(
    engine: Engine, draft_id: int, calls: list[tuple[Actor, str, str | None]]
) -> list[service.DecisionOutcome]:
    barrier = threading.Barrier(len(calls))

    def one(actor: Actor, action: str, body: str | None) -> service.DecisionOutcome:
        barrier.wait()
        with unit_of_work(engine) as session:
            return service.decide(
                session,
                draft_id,
                action=action,  # type: ignore[arg-type]
                actor=actor,
                body=body,
            )

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(one, *call) for call in calls]
        return [future.result(timeout=60) for future in futures]


def test_two_approvals_at_once_apply_exactly_once(engine: Engine) -> None:
    names = tuple(f"Maya{i}" for i in range(6))
    store = pending_store(engine, names)
    for name in names:
        draft_id = store.drafts[name]
        before = draft_row(engine, draft_id)
        outcomes = _decide_at_once(
            engine, draft_id, [(ANA, "approve", None), (BEN, "approve", None)]
        )
        winners = [o for o in outcomes if o.applied]
        losers = [o for o in outcomes if not o.applied]
        assert len(winners) == 1 and len(losers) == 1
        winner = winners[0].decided_by
        assert losers[0].decided_by == winner and losers[0].state == "approved"
        assert f"already approved by {winner}" in losers[0].message
        row = draft_row(engine, draft_id)
        assert (row.state, row.decided_by, row.version) == ("approved", winner, before.version + 1)
        (entry,) = audit_rows(engine, draft_id)
        assert entry.actor == winner


def test_an_approval_and_a_rejection_race_one_wins(engine: Engine) -> None:
    store = pending_store(engine, ("Leo",))
    draft_id = store.drafts["Leo"]
    body = draft_row(engine, draft_id).body
    outcomes = _decide_at_once(
        engine,
        draft_id,
        [(ANA, "reject", None), (BEN, "edit", body + " Thanks again!"), (ANA, "approve", None)],
    )
    assert sum(o.applied for o in outcomes) == 1
    winner = next(o for o in outcomes if o.applied)
    row = draft_row(engine, draft_id)
    assert row.state == winner.state and row.decided_by == winner.decided_by
    assert all(o.decided_by == winner.decided_by for o in outcomes)
    assert len(audit_rows(engine, draft_id)) == 1


def test_the_second_decider_waits_for_the_first_and_is_told_who(engine: Engine) -> None:
    """A decides and holds its transaction open; B, on another connection, must wait,
    then see A's decision instead of deciding again."""
    store = pending_store(engine, ("Maya",))
    draft_id = store.drafts["Maya"]
    first = session_factory(engine)()
    try:
        mine = service.decide(first, draft_id, action="approve", actor=ANA)
        assert mine.applied
        result: list[service.DecisionOutcome] = []

        def second() -> None:
            with unit_of_work(engine) as session:
                result.append(service.decide(session, draft_id, action="reject", actor=BEN))

        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive(), "the second decider must wait for the first one's commit"
        first.commit()
    finally:
        first.close()
    thread.join(timeout=30)
    assert not thread.is_alive()
    (theirs,) = result
    assert not theirs.applied
    assert (theirs.state, theirs.decided_by) == ("approved", ANA.id)
    assert draft_row(engine, draft_id).state == "approved"
    assert [e.actor for e in audit_rows(engine, draft_id)] == [ANA.id]


def test_a_rolled_back_decision_leaves_the_draft_to_the_next(engine: Engine) -> None:
    store = pending_store(engine, ("Maya",))
    draft_id = store.drafts["Maya"]
    first = session_factory(engine)()
    try:
        assert service.decide(first, draft_id, action="approve", actor=ANA).applied
        first.rollback()  # e.g. the request failed after deciding: nothing is kept
    finally:
        first.close()
    with unit_of_work(engine) as session:
        theirs = service.decide(session, draft_id, action="reject", actor=BEN)
    assert theirs.applied and draft_row(engine, draft_id).decided_by == BEN.id
    assert [e.action for e in audit_rows(engine, draft_id)] == ["draft.rejected"]
