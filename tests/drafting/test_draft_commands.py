"""`assistant drafts show ID` and `assistant drafts export`, run as a person would."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from assistant.db import unit_of_work
from assistant.models import Customer, Draft
from assistant.review import service as review
from assistant.review.actors import Actor
from tests.campaigns.helpers import World, build
from tests.clitools import invoke

EDITED = 'Hi Maya, the new Whole Bean Reserve is in, "roasted" slower, ours, too. Reply STOP to end'


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> World:
    return build(engine, tmp_path / "outbox")


def _edit(engine: Engine, draft_id: int) -> str:
    with unit_of_work(engine) as session:
        before = session.get(Draft, draft_id)
        assert before is not None
        original = before.body
        outcome = review.decide(
            session,
            draft_id,
            action="edit",
            actor=Actor("terminal:ana"),
            body=EDITED,
            reason="shorter",
        )
        assert outcome.applied, outcome.message
    return original


def test_show_prints_the_whole_draft_with_its_decisions(engine: Engine, world: World) -> None:
    original = _edit(engine, world.pending_review)
    with unit_of_work(engine) as session:
        draft = session.get(Draft, world.pending_review)
        assert draft is not None
        customer = session.get(Customer, draft.customer_id)
        assert customer is not None
    result = invoke("drafts", "show", str(world.pending_review))
    assert result.exit_code == 0, result.output
    for expected in (
        f"{customer.external_id} (Maya)",
        "upsell",
        "approved",
        "terminal:ana  draft.edited pending_review → approved",
        "note: shorter",
        f"before: {original}",
        f"after: {EDITED}",
        "message",
        "none yet",
        "fact receipt",
    ):
        assert expected in result.output, expected
    assert customer.email not in result.output and (customer.phone or "-") not in result.output

    as_json = json.loads(invoke("drafts", "show", str(world.scheduled), "--format", "json").output)
    assert as_json["customer"] == {"id": as_json["customer"]["id"], "first_name": "Maya"}
    assert as_json["message"]["state"] == "scheduled"
    assert as_json["message"]["scheduled_for"].endswith("Z")
    assert [h["to_state"] for h in as_json["history"]] == ["scheduled"]


def test_show_of_a_cancelled_message_says_why(engine: Engine, world: World) -> None:
    assert invoke("campaigns", "cancel", str(world.campaign_id), "--reason", "typo").exit_code == 0
    shown = json.loads(invoke("drafts", "show", str(world.scheduled), "--format", "json").output)
    assert shown["state"] == "cancelled"
    assert shown["message"]["reason"] == "campaign_cancelled"
    assert shown["message"]["detail"] == "typo"
    last = shown["history"][-1]
    assert (last["action"], last["from_state"], last["reason"]) == (
        "campaign.cancelled",
        "scheduled",
        "typo",
    )


def test_show_of_an_unknown_draft_is_one_line(engine: Engine) -> None:
    result = invoke("drafts", "show", "4242")
    assert result.exit_code == 2
    assert result.output.strip() == "error: no draft 4242 (see `assistant drafts list`)"


def test_export_csv_quotes_and_has_one_row_per_draft(
    engine: Engine, world: World, tmp_path: Path
) -> None:
    _edit(engine, world.pending_review)
    out = tmp_path / "drafts.csv"
    result = invoke("drafts", "export", "--format", "csv", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "wrote 5 draft(s)" in result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [int(r["id"]) for r in rows] == sorted(int(r["id"]) for r in rows)
    by_id = {int(r["id"]): r for r in rows}
    edited = by_id[world.pending_review]
    assert edited["body"] == EDITED  # commas and quotes survive the round trip
    assert edited["decided_by"] == "terminal:ana" and edited["state"] == "approved"
    assert by_id[world.sent]["message_state"] == "delivered"
    assert by_id[world.sent]["sent_at"].endswith("Z")
    assert by_id[world.scheduled]["message_state"] == "scheduled"
    assert by_id[world.approved]["message_state"] == ""


def test_export_json_filters_by_campaign_and_status(engine: Engine, world: World) -> None:
    result = invoke(
        "drafts", "export", "--format", "json", "--campaign", str(world.campaign_id),
        "--status", "needs_attention",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["id"] for r in rows] == [world.needs_attention]
    assert rows[0]["campaign_id"] == world.campaign_id
    assert isinstance(rows[0]["findings"], list)
    empty = invoke("drafts", "export", "--format", "json", "--status", "rejected")
    assert json.loads(empty.output) == []


def test_export_refuses_unknown_campaigns_and_statuses(engine: Engine) -> None:
    unknown = invoke("drafts", "export", "--format", "csv", "--campaign", "77")
    assert unknown.exit_code == 2
    assert "no campaign 77 (see `assistant campaigns list`)" in unknown.output
    typo = invoke("drafts", "export", "--format", "csv", "--status", "aproved")
    assert typo.exit_code == 2
    assert "unknown status 'aproved' (did you mean 'approved'?); choose one of" in typo.output


def test_show_explains_the_draft_as_its_review_card_does(engine: Engine, world: World) -> None:
    with unit_of_work(engine) as session:
        draft = session.get(Draft, world.pending_review)
        assert draft is not None
        customer = session.get(Customer, draft.customer_id)
        assert customer is not None
    result = invoke("drafts", "show", str(world.pending_review))
    assert result.exit_code == 0, result.output
    for label in ("Why", "Customer", "Goes to", "Consent", "Guardrails", "Send time"):
        assert label in result.output, label
    assert customer.email not in result.output and (customer.phone or "-") not in result.output

    shown = invoke("drafts", "show", str(world.pending_review), "--format", "json").output
    explanation = json.loads(shown)["explanation"]
    assert explanation["why"]["summary"]
    assert explanation["consent"]["summary"]
    assert [label for label, _ in explanation["rows"]][:1] == ["Why"]
