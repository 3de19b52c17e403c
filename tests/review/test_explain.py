"""A draft's explanation: why this customer and why now, key metrics, masked destination,
consent and its source, the guardrails run and the planned send time, for every playbook,
a trigger, and a customer who opted out; shown by the terminal review and the API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rich.console import Console
from sqlalchemy import Engine, event

from assistant.api.app import create_app
from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.delivery.policy import DeliveryPolicy
from assistant.delivery.schedule import schedule_draft
from assistant.models import Draft, Message
from assistant.review.explain import DraftExplanation, explain_draft
from connectors.terminal.review import TerminalReviewChannel
from tests.review.explained import NOW, Explained, add_explained_draft, seed_explained

POLICY = DeliveryPolicy()
LATER = (
    "on approval, at 2026-12-08 09:00 America/Los_Angeles (2026-12-08 17:00 UTC): "
    "quiet hours in the customer's time zone"
)
QUALIFYING = {
    "recognition": "crossed 5,000 USD lifetime spend on 2026-11-30",
    "check_in": "bought Cast Iron Skillet 10in on 2026-12-03 (4 days ago, order #100234)",
    "upsell": "bought Trail Runner 3 times since 2026-09-02 (last on 2026-11-20); "
    "upgrade to suggest: Trail Runner Pro (140.00 USD)",
    "re_engagement": "returned Rain Jacket on 2026-06-01 (fit); relaunched 2026-11-15: "
    "improved seams",
}
RULES = {
    "recognition": "segment milestone: Reached a milestone in the last 30 days: lifetime "
    "spend of $5000",
    "check_in": "segment recent_buyers_14d: Bought in the last 14 days",
    "upsell": "segment product_fans: Bought the same product on 3 separate days within 90 days",
    "re_engagement": "segment returned_relaunched: Returned a product for fit, quality or sizing",
}


@pytest.fixture
def store(engine: Engine) -> Explained:
    return seed_explained(engine)


def _explain(engine: Engine, draft_id: int) -> DraftExplanation:
    with unit_of_work(engine) as session:
        found = explain_draft(session, draft_id, now=NOW, policy=POLICY)
    assert found is not None
    return found


@pytest.mark.parametrize("playbook", list(QUALIFYING))
def test_each_playbook_says_why_now_and_what_approving_does(
    engine: Engine, store: Explained, playbook: str
) -> None:
    explained = _explain(engine, store.drafts[playbook])
    rows = dict(explained.rows())

    assert rows["Why"].startswith(RULES[playbook])
    assert explained.why.qualifying == (QUALIFYING[playbook],)
    assert rows["Customer"] == (
        "12 orders · lifetime spend 5,120.50 USD · predicted 12-month value 1,880.00 USD · "
        "last order 2026-11-29"
    )
    assert rows["Goes to"].startswith("SMS to +1555•••")
    assert "@" not in rows["Goes to"] and "Private" not in str(explained.as_dict())
    assert rows["Consent"] == "granted (web_signup, 2026-01-02)"
    assert rows["Guardrails"].startswith(f"all {len(explained.guardrails.checks)} checks passed")
    assert "nothing invented" in rows["Guardrails"] and "email" not in rows["Guardrails"]
    assert rows["Send time"] == LATER


def test_a_trigger_draft_names_the_trigger_and_what_fires_it(
    engine: Engine, store: Explained
) -> None:
    explained = _explain(engine, store.drafts["trigger"])

    assert explained.why.source == "trigger"
    assert explained.why.summary == (
        "trigger milestone_crossed: Milestones, fires on a milestone crossed in the last 30 "
        "days: 5,000 USD of lifetime spend, 10 orders or 2 years as a customer"
    )
    assert explained.why.qualifying == (QUALIFYING["recognition"],)
    assert explained.send.summary == LATER


def test_a_customer_who_opted_out_is_held_with_the_reason(engine: Engine, store: Explained) -> None:
    explained = _explain(engine, store.drafts["opted_out"])

    assert explained.consent.granted is False
    assert explained.consent.summary == (
        "not granted (sms_keyword, 2026-01-02): the customer opted out on this channel"
    )
    assert (explained.send.status, explained.send.reason) == ("held", "opted_out")
    assert explained.send.summary == "held: the customer opted out on this channel"


def test_in_sending_hours_it_goes_right_away_and_the_plan_writes_nothing(
    engine: Engine, store: Explained
) -> None:
    with unit_of_work(engine) as session:
        found = explain_draft(
            session, store.drafts["upsell"], now=NOW + timedelta(hours=14), policy=POLICY
        )
        assert session.query(Message).count() == 0
    assert found is not None
    assert found.send.summary == "right away on approval (every rule allows it now)"


def test_a_scheduled_draft_shows_its_message_time(engine: Engine, store: Explained) -> None:
    draft_id = store.drafts["upsell"]
    with unit_of_work(engine) as session:
        draft = session.get(Draft, draft_id)
        assert draft is not None
        draft.state = "approved"
        session.flush()
        assert schedule_draft(session, draft_id, now=NOW, policy=POLICY) is not None

    explained = _explain(engine, draft_id)

    assert explained.send.status == "scheduled"
    assert explained.send.summary.startswith("scheduled for 2026-12-08 09:00 America/Los_Angeles")


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_the_queries_per_draft_do_not_grow_with_the_campaign(
    engine: Engine, store: Explained, statements: list[str]
) -> None:
    _explain(engine, store.drafts["upsell"])
    few = len(statements)
    with unit_of_work(engine) as session:
        for index in range(30):
            add_explained_draft(session, "upsell", f"Fan{index}")
    statements.clear()

    _explain(engine, store.drafts["upsell"])

    assert len(statements) == few <= 20


def test_the_terminal_card_shows_the_explanation(engine: Engine, store: Explained) -> None:
    console = Console(record=True, width=240)
    channel = TerminalReviewChannel(console, engine)
    for key in ("re_engagement", "opted_out"):
        channel.post_draft(store.drafts[key])
    said = " ".join(console.export_text().split())

    assert "Why: segment returned_relaunched: Returned a product" in said
    assert f"Qualifying: {QUALIFYING['re_engagement']}" in said
    assert "Customer: 12 orders · lifetime spend 5,120.50 USD" in said
    assert "Goes to: SMS to +1555•••" in said
    assert "Consent: granted (web_signup, 2026-01-02)" in said
    assert "Guardrails: all" in said and "checks passed" in said
    assert "Send time: " in said
    assert "Consent: not granted (sms_keyword, 2026-01-02)" in said
    assert "Send time: held: the customer opted out on this channel" in said


def test_the_api_draft_read_carries_the_explanation(
    engine: Engine, store: Explained, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_API_KEYS", "test-key-0123456789")
    get_settings.cache_clear()
    with TestClient(create_app(engine)) as client:
        response = client.get(
            f"/api/v1/drafts/{store.drafts['opted_out']}",
            headers={"Authorization": "Bearer test-key-0123456789"},
        )

    assert response.status_code == 200, response.text
    explanation = response.json()["explanation"]
    assert explanation["why"]["source"] == "segment"
    assert explanation["why"]["qualifying"][0].startswith("bought Trail Runner 3 times")
    assert explanation["metrics"]["orders"] == 12
    assert explanation["destination"]["address"].startswith("+1555•••")
    assert explanation["consent"]["source"] == "sms_keyword"
    assert explanation["send"] == {
        "status": "held",
        "at": None,
        "zone": "America/Los_Angeles",
        "reason": "opted_out",
        "summary": "held: the customer opted out on this channel",
    }
