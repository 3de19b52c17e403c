"""Creating a campaign: the segment snapshot, skip reasons per member, the limit."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, literal, select, update
from sqlalchemy.orm import Session

from assistant.db import unit_of_work
from assistant.drafting import campaigns
from assistant.models import Campaign, CampaignMember, Customer, Draft, Suppression
from tests.drafting.campaigns.helpers import brand, create, fixture_store, members, offline, run


@pytest.fixture
def store(engine: Engine, tmp_path: Path) -> Engine:
    fixture_store(engine, tmp_path / "csv")
    with unit_of_work(engine) as session:
        # Everyone gets a phone; then one reason per customer below.
        session.execute(
            update(Customer).values(phone=literal("+1555").concat(Customer.external_id))
        )
    return engine


def _customer(session: Session, external: str) -> Customer:
    found = session.execute(select(Customer).where(Customer.external_id == external))
    customer: Customer = found.scalar_one()
    return customer


def test_each_ineligible_member_is_skipped_with_its_reason(store: Engine) -> None:
    earlier = create(store, "recognition", segment="recent_buyers_30d", channel="sms", limit=1)
    with unit_of_work(store) as session:
        _customer(session, "C06").phone = None
        opted = _customer(session, "C07")
        opted.sms_consent, opted.sms_consent_source = False, "sms_keyword"
        session.add(
            Suppression(channel="sms", address=_customer(session, "C08").phone, reason="stop")
        )
        _customer(session, "C14").first_name = None
        # A recognition draft from another campaign last week: C09 is in cooldown.
        session.add(
            Draft(
                idempotency_key="manual:1",
                campaign_id=earlier,
                customer_id=_customer(session, "C09").id,
                playbook="recognition",
                channel="sms",
                state="pending_review",
                body="Hi Ivy",
            )
        )
    campaign_id = create(store, "recognition", segment="recent_buyers_30d", channel="sms")
    found = members(store, campaign_id)
    assert found["C02"] == ("skipped", "no_consent")  # never gave SMS consent
    assert found["C05"] == ("skipped", "no_consent")
    assert found["C06"] == ("skipped", "no_contact")
    assert found["C07"] == ("skipped", "opted_out")
    assert found["C08"] == ("skipped", "suppressed")
    assert found["C09"] == ("skipped", "cooldown")
    assert found["C14"] == ("skipped", "missing_facts")
    assert found["C01"] == ("pending", None)
    pending = {external for external, (status, _) in found.items() if status == "pending"}
    with unit_of_work(store) as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        assert campaign.summary["pending"] == len(pending)
        assert campaign.summary["skipped"] == {
            "cooldown": 1,
            "missing_facts": 1,
            "no_consent": 2,
            "no_contact": 1,
            "opted_out": 1,
            "suppressed": 1,
        }
        assert campaign.options["as_of"] == "2026-11-20"
        assert campaign.status == "created"


def test_timing_outside_the_playbooks_window_is_a_skip(store: Engine) -> None:
    # check-in: 3 to 7 days after the purchase (C01 bought on as-of day, C06 two days before).
    campaign_id = create(store, "check_in")
    found = members(store, campaign_id)
    assert found["C01"] == ("skipped", "outside_timing")
    assert found["C06"] == ("skipped", "outside_timing")
    assert found["C02"] == ("skipped", "no_consent")
    assert {k for k, (status, _) in found.items() if status == "pending"} == {"C15", "C24"}


def test_limit_keeps_the_first_eligible_members_in_segment_order(store: Engine) -> None:
    campaign_id = create(store, "recognition", segment="recent_buyers_30d", channel="sms", limit=3)
    found = members(store, campaign_id)
    pending = sorted(k for k, (status, _) in found.items() if status == "pending")
    assert pending == ["C01", "C06", "C07"]
    # C02 and C05 (no consent) came first in segment order and are recorded as skipped.
    assert set(found) == {"C01", "C02", "C05", "C06", "C07"}


def test_recognition_falls_back_to_vip_when_no_milestone_was_reached(store: Engine) -> None:
    with unit_of_work(store) as session:
        plan = campaigns.plan(session, campaigns.CampaignRequest(playbook="recognition"))
        assert plan.evaluation.segment.name == "milestone"
        # Whatever the store, an explicit segment is never replaced.
        explicit = campaigns.plan(
            session, campaigns.CampaignRequest(playbook="recognition", segment="vip")
        )
        assert explicit.evaluation.segment.name == "vip"


@pytest.mark.parametrize(
    "request_args,message",
    [
        ({"playbook": "nope"}, "recognition, check_in, upsell, re_engagement, reply"),
        ({"playbook": "upsell", "segment": "nope"}, "known: lapsed_high_value, milestone"),
        ({"playbook": "reply"}, "no segment of its own"),
        ({"playbook": "upsell", "channel": "fax"}, "choose one of: sms, email"),
    ],
)
def test_a_bad_request_names_what_is_valid(
    store: Engine, request_args: dict[str, str], message: str
) -> None:
    with unit_of_work(store) as session, pytest.raises(campaigns.CampaignError) as raised:
        campaigns.create_campaign(session, campaigns.CampaignRequest(**request_args), brand=brand())
    assert message in str(raised.value)
    with unit_of_work(store) as session:
        assert session.execute(select(Campaign)).first() is None


def test_a_big_segment_is_snapshotted_in_chunks_in_one_transaction(store: Engine) -> None:
    request = campaigns.CampaignRequest(playbook="recognition", segment="recent_buyers_30d")
    with unit_of_work(store) as session:
        campaign = campaigns.create_campaign(session, request, brand=brand(), chunk=2)
        chunked = campaign.id
    whole = create(store, "recognition", segment="recent_buyers_30d")
    assert members(store, chunked) == members(store, whole)
    with pytest.raises(RuntimeError), unit_of_work(store) as session:
        campaigns.create_campaign(session, request, brand=brand(), chunk=2)
        raise RuntimeError("the unit of work fails after the snapshot")
    with unit_of_work(store) as session:
        ids = session.execute(select(CampaignMember.campaign_id).distinct()).scalars().all()
    assert sorted(ids) == [chunked, whole]


def test_rerunning_a_finished_campaign_skips_the_already_drafted(store: Engine) -> None:
    campaign_id = create(store, "recognition", segment="recent_buyers_30d", channel="email")
    first = run(store, campaign_id, offline())
    assert first.status == "completed" and first.drafted > 0
    again = run(store, campaign_id, offline())
    assert again.drafted == 0
    assert again.skipped["already_drafted"] == first.drafted
