"""A campaign run reads its learned examples once and hands them to every draft."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event

from assistant.db import unit_of_work
from assistant.learning.service import fingerprint
from assistant.models import DraftExample
from assistant.models.base import utcnow
from tests.drafting.campaigns.helpers import TestDrafter, create, members, run

LEARNED = (
    "Hi [first_name], [number] orders - that's a milestone worth a real thank-you. [signature]"
)
OTHER = "Hi [first_name], thanks for every order you've placed with us so far. [signature]"


def add_example(engine: Engine, text: str, *, playbook: str, channel: str) -> None:
    with unit_of_work(engine) as session:
        session.add(
            DraftExample(
                playbook=playbook,
                channel=channel,
                text=text,
                fingerprint=fingerprint(text),
                created_at=utcnow(),
            )
        )


def test_every_draft_of_a_run_gets_the_examples_from_one_query(demo: Engine) -> None:
    add_example(demo, LEARNED, playbook="recognition", channel="email")
    add_example(demo, OTHER, playbook="upsell", channel="email")
    campaign_id = create(demo, "recognition", segment="recent_buyers_30d", channel="email", limit=5)
    assert sum(status == "pending" for status, _ in members(demo, campaign_id).values()) == 5
    reads: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "draft_examples" in statement:
            reads.append(statement)

    event.listen(demo, "before_cursor_execute", count)
    try:
        drafter = TestDrafter()
        summary = run(demo, campaign_id, drafter)
    finally:
        event.remove(demo, "before_cursor_execute", count)
    assert summary.drafted + summary.needs_attention == 5
    assert len(reads) == 1  # once for the run, not once per draft
    assert {tuple(call.examples) for call in drafter.calls} == {(LEARNED,)}
    assert all(LEARNED in call.system for call in drafter.calls)
    assert not any(OTHER in call.system for call in drafter.calls)
