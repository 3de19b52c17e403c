"""Reads what a card shows from the database (the views blocks.py renders); no commits."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.drafting.sms_segments import analyse
from assistant.models import Campaign, Customer, Draft
from assistant.models.base import utcnow
from assistant.playbooks import PLAYBOOKS
from assistant.review.explain import explain_draft
from assistant.review.views import consent_findings
from connectors.slack.blocks import CampaignView, DraftView

SAMPLES = 3
SAMPLE_STATES = ("pending_review", "needs_attention", "approved")


def _first_name(facts: Mapping[str, Any], stored: str | None) -> str:
    customer = facts.get("customer")
    if isinstance(customer, Mapping) and customer.get("first_name"):
        return str(customer["first_name"])
    return stored or "Customer"


def draft_view(session: Session, draft_id: int, now: datetime | None = None) -> DraftView | None:
    """The card of one draft, with its explanation as of `now`; None when it does not exist."""
    row = session.execute(
        select(Draft, Customer.first_name, Campaign.name, Campaign.segment, Campaign.trigger)
        .join(Customer, Customer.id == Draft.customer_id)
        .outerjoin(Campaign, Campaign.id == Draft.campaign_id)
        .where(Draft.id == draft_id)
    ).one_or_none()
    if row is None:
        return None
    draft, first_name, campaign_name, segment, trigger = row
    facts = dict(draft.facts or {})
    playbook = PLAYBOOKS.get(draft.playbook)
    findings = (draft.findings or {}).get("items") or []
    findings = [*findings, *(f.as_dict() for f in consent_findings(session, draft))]
    return DraftView(
        draft_id=draft.id,
        version=draft.version,
        state=draft.state,
        first_name=_first_name(facts, first_name),
        playbook=draft.playbook,
        channel=draft.channel,
        body=draft.body or "",
        subject=draft.subject,
        segment=segment or (playbook.segment if playbook and not trigger else None),
        trigger=trigger,
        campaign_name=campaign_name,
        facts=facts,
        findings=[f for f in findings if isinstance(f, Mapping)],
        sms_segments=analyse(draft.body).segments
        if draft.channel == "sms" and draft.body
        else None,
        decided_by=draft.decided_by,
        decided_at=draft.decided_at,
        decision_note=draft.decision_note,
        edited=draft.original_body is not None and draft.original_body != draft.body,
        regenerating=draft.regenerating_at is not None,
        explanation=explain_draft(session, draft.id, now=now or utcnow()),
    )


def campaign_view(
    session: Session, campaign_id: int, samples: int = SAMPLES
) -> CampaignView | None:
    """A campaign's counts by draft state and a few sample drafts."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return None
    counts = {
        str(state): int(n)
        for state, n in session.execute(
            select(Draft.state, func.count())
            .where(Draft.campaign_id == campaign_id)
            .group_by(Draft.state)
        )
    }
    found: list[tuple[str, str]] = []
    for state in SAMPLE_STATES:
        if len(found) >= samples:
            break
        rows = session.execute(
            select(Draft.facts, Draft.body, Customer.first_name)
            .join(Customer, Customer.id == Draft.customer_id)
            .where(Draft.campaign_id == campaign_id, Draft.state == state)
            .order_by(Draft.id)
            .limit(samples - len(found))
        ).all()
        found += [(_first_name(facts or {}, name), body or "") for facts, body, name in rows]
    return CampaignView(
        campaign_id=campaign.id,
        name=campaign.name,
        playbook=campaign.playbook,
        channel=campaign.channel,
        segment=campaign.segment,
        counts=counts,
        samples=found,
        trigger=campaign.trigger,
    )
