"""A campaign of N pending members, written directly (no demo store to import), and checks.

Recognition by email needs only a first name, an email and consent, so every member is
eligible and gets exactly one draft.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

from sqlalchemy import Engine, func, insert, select, update

from assistant.db import unit_of_work
from assistant.models import Campaign, CampaignMember, Customer, Draft
from assistant.models.base import utcnow


def seed_campaign(engine: Engine, members: int) -> int:
    """A recognition campaign by email with `members` pending members; its id."""
    tag = uuid.uuid4().hex[:8]
    with unit_of_work(engine) as session:
        session.execute(
            insert(Customer),
            [
                {
                    "external_id": f"fault-{tag}-{n}",
                    "first_name": "Maya",
                    "email": f"maya.{tag}.{n}@example.com",
                    "timezone": "America/New_York",
                    "email_consent": True,
                    "email_consent_source": "import",
                }
                for n in range(members)
            ],
        )
        ids = session.execute(
            select(Customer.id).where(Customer.external_id.like(f"fault-{tag}-%"))
        ).scalars()
        campaign = Campaign(
            name=f"faults {tag}",
            playbook="recognition",
            segment="vip",
            channel="email",
            options={"as_of": utcnow().date().isoformat()},
            summary={},
        )
        session.add(campaign)
        session.flush()
        session.execute(
            insert(CampaignMember),
            [{"campaign_id": campaign.id, "customer_id": cid, "qualifier": {}} for cid in ids],
        )
        return campaign.id


def draft_counts(engine: Engine, campaign_id: int) -> Counter[int]:
    """Drafts per customer of the campaign."""
    with unit_of_work(engine) as session:
        rows = session.execute(
            select(Draft.customer_id, func.count())
            .where(Draft.campaign_id == campaign_id)
            .group_by(Draft.customer_id)
        ).all()
    return Counter({customer: number for customer, number in rows})


def member_ids(engine: Engine, campaign_id: int) -> set[int]:
    with unit_of_work(engine) as session:
        return set(
            session.execute(
                select(CampaignMember.customer_id).where(CampaignMember.campaign_id == campaign_id)
            ).scalars()
        )


def campaign_status(engine: Engine, campaign_id: int) -> str:
    with unit_of_work(engine) as session:
        status = session.execute(
            select(Campaign.status).where(Campaign.id == campaign_id)
        ).scalar_one()
        return str(status)


def age_hold(engine: Engine, campaign_id: int) -> None:
    """Let a killed run's hold lapse now instead of after its 120 s: its heartbeat, moved
    back (what the hold's expiry compares with)."""
    with unit_of_work(engine) as session:
        session.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id)
            .values(updated_at=utcnow() - timedelta(hours=1))
        )


def assert_one_draft_each(engine: Engine, campaign_id: int) -> None:
    """Every member has exactly one draft."""
    counts = draft_counts(engine, campaign_id)
    twice = [customer for customer, number in counts.items() if number > 1]
    assert not twice, f"{len(twice)} members drafted more than once"
    missing = member_ids(engine, campaign_id) - set(counts)
    assert not missing, f"{len(missing)} members without a draft"
