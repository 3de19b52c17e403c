"""`assistant campaigns list|show|pause|resume|cancel`, run as a person would, with the
worker's tick afterwards: what a cancel or a pause stops must never go out."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from assistant.db import unit_of_work
from assistant.delivery.sender import Sender
from assistant.models import AuditEntry, Campaign, CampaignMember, Draft
from tests.campaigns.helpers import World, build, message_states, tick
from tests.clitools import invoke
from tests.delivery.helpers import draft_state, outbox_lines, outbox_transports


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> World:
    return build(engine, tmp_path / "outbox")


def _status(engine: Engine, campaign_id: int) -> str:
    with unit_of_work(engine) as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        return campaign.status


def test_cancel_stops_everything_not_sent_and_the_sender_sends_nothing(
    engine: Engine, world: World
) -> None:
    result = invoke("campaigns", "cancel", str(world.campaign_id), "--reason", "wrong segment")
    assert result.exit_code == 0, result.output
    assert f"campaign {world.campaign_id} cancelled: 1 scheduled message(s), 4 draft(s)" in (
        result.output
    )
    assert "1 member(s) not yet drafted cancelled; 1 message(s) already sent" in result.output
    assert _status(engine, world.campaign_id) == "cancelled"
    assert draft_state(engine, world.sent) == "delivered"  # sent stays as it is
    for draft_id in (world.pending_review, world.needs_attention, world.approved, world.scheduled):
        assert draft_state(engine, draft_id) == "cancelled"
    states = message_states(engine, world.campaign_id)
    assert states[world.scheduled_message] == ("cancelled", "campaign_cancelled")
    assert states[world.sent_message][0] == "delivered"

    # The worker's tick, later: nothing of the campaign is scheduled or sent.
    world.clock.advance(timedelta(days=1))
    assert tick(engine, world) == {}
    assert len(outbox_lines(world.outbox)) == 1
    with unit_of_work(engine) as session:
        members = session.execute(
            select(CampaignMember.status, CampaignMember.skip_reason).where(
                CampaignMember.campaign_id == world.campaign_id
            )
        ).all()
        reasons = session.execute(
            select(AuditEntry.data).where(
                AuditEntry.entity_type == "draft",
                AuditEntry.entity_id == world.pending_review,
                AuditEntry.action == "campaign.cancelled",
            )
        ).scalar_one()
    assert ("skipped", "cancelled") in members
    assert reasons["reason"] == "wrong segment"

    again = invoke("campaigns", "cancel", str(world.campaign_id))
    assert again.exit_code == 0, again.output
    assert "was already cancelled: 0 scheduled message(s), 0 draft(s)" in again.output


def test_pause_holds_scheduled_messages_and_resume_sends_them(engine: Engine, world: World) -> None:
    paused = invoke("campaigns", "pause", str(world.campaign_id))
    assert paused.exit_code == 0, paused.output
    assert "1 scheduled message(s) held" in paused.output
    assert _status(engine, world.campaign_id) == "paused"

    # An approval while paused is scheduled but held too; the tick sends nothing.
    world.clock.advance(timedelta(minutes=5))
    assert tick(engine, world) == {}
    states = message_states(engine, world.campaign_id)
    assert states[world.scheduled_message] == ("scheduled", "campaign_paused")
    held = [m for m, (state, code) in states.items() if code == "campaign_paused"]
    assert len(held) == 2  # the scheduled one and the approved one scheduled meanwhile
    assert len(outbox_lines(world.outbox)) == 1
    assert invoke("campaigns", "pause", str(world.campaign_id)).output.startswith(
        f"campaign {world.campaign_id} is already paused"
    )

    resumed = invoke("campaigns", "resume", str(world.campaign_id), "--no-draft")
    assert resumed.exit_code == 0, resumed.output
    assert "2 held message(s) released, 1 member(s) still to draft" in resumed.output
    assert _status(engine, world.campaign_id) == "created"
    assert tick(engine, world) == {"sent": 2}
    assert len(outbox_lines(world.outbox)) == 3
    assert draft_state(engine, world.scheduled) == "delivered"
    assert draft_state(engine, world.approved) == "delivered"


def test_a_message_claimed_in_a_race_with_the_pause_or_cancel_is_not_sent(
    engine: Engine, world: World
) -> None:
    """The due query skips a paused campaign's messages; the claim checks again."""
    sender = Sender(engine, outbox_transports(world.outbox), world.rules, clock=world.clock)
    assert invoke("campaigns", "pause", str(world.campaign_id)).exit_code == 0
    assert sender.process(world.scheduled_message) == "deferred"
    assert message_states(engine, world.campaign_id)[world.scheduled_message] == (
        "scheduled",
        "campaign_paused",
    )
    assert invoke("campaigns", "resume", str(world.campaign_id), "--no-draft").exit_code == 0
    with unit_of_work(engine) as session:
        # A cancel that lost the race with the scheduler: its message is still scheduled.
        session.execute(
            update(Campaign).where(Campaign.id == world.campaign_id).values(status="cancelled")
        )
    assert sender.process(world.scheduled_message) == "cancelled"
    assert message_states(engine, world.campaign_id)[world.scheduled_message] == (
        "cancelled",
        "campaign_cancelled",
    )
    assert len(outbox_lines(world.outbox)) == 1


def test_transitions_that_make_no_sense_are_refused(engine: Engine, world: World) -> None:
    not_paused = invoke("campaigns", "resume", str(world.campaign_id))
    assert not_paused.exit_code == 2
    assert f"campaign {world.campaign_id} is not paused (it is created)" in not_paused.output
    assert invoke("campaigns", "cancel", str(world.campaign_id)).exit_code == 0
    for action in ("resume", "pause"):
        refused = invoke("campaigns", action, str(world.campaign_id))
        assert refused.exit_code == 2, refused.output
        assert f"campaign {world.campaign_id} is cancelled" in refused.output
        assert "Traceback" not in refused.output
    assert _status(engine, world.campaign_id) == "cancelled"


@pytest.mark.parametrize("action", ["show", "pause", "resume", "cancel"])
def test_an_unknown_campaign_is_one_line(engine: Engine, action: str) -> None:
    result = invoke("campaigns", action, "9999")
    assert result.exit_code == 2
    assert result.output.strip() == "error: no campaign 9999 (see `assistant campaigns list`)"


def test_list_and_show(engine: Engine, world: World) -> None:
    listed = invoke("campaigns", "list")
    assert listed.exit_code == 0, listed.output
    assert "Campaigns (1 of 1)" in listed.output
    assert "spring upsell" in listed.output
    assert "approved 1, delivered 1, needs_attention 1, pending_review 1, scheduled 1" in (
        listed.output
    )
    assert invoke("campaigns", "cancel", str(world.campaign_id), "--reason", "typo").exit_code == 0
    shown = invoke("campaigns", "show", str(world.campaign_id))
    assert shown.exit_code == 0, shown.output
    for expected in (
        "cancelled 4, delivered 1",  # drafts by state
        "cancelled 1, delivered 1",  # messages by state
        "cancelled: campaign_cancelled 1",
        "skipped",
        " UTC by cli (typo)",
        "estimated cost",
    ):
        assert expected in shown.output, expected
    as_json = invoke("campaigns", "show", str(world.campaign_id), "--format", "json")
    assert as_json.exit_code == 0
    assert '"status": "cancelled"' in as_json.output


def test_drafts_list_refuses_an_unknown_campaign(engine: Engine) -> None:
    result = invoke("drafts", "list", "--campaign", "9999")
    assert result.exit_code == 2
    assert "no campaign 9999 (see `assistant campaigns list`)" in result.output
    with unit_of_work(engine) as session:
        assert session.execute(select(Draft.id)).first() is None
