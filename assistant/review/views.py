"""What a reviewer sees of a draft or a campaign, read in one place for every review channel."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.config import get_settings
from assistant.delivery.rules import ai_consent_notice
from assistant.drafting.guardrails import Finding
from assistant.drafting.sms_segments import analyse
from assistant.models import Campaign, Customer, Draft
from assistant.models.base import utcnow
from assistant.review import repository as repo
from assistant.review import risk
from assistant.review.explain import DraftExplanation, explain_draft
from assistant.review.outcomes import stored_findings

SAMPLES = 3
NO_AI_CONSENT = "no_ai_consent"


@dataclass(frozen=True)
class DraftView:
    """A draft as a review card shows it: who it is for, why, the text and its findings."""

    id: int
    campaign_id: int | None
    customer: str  # the customer's external id (no personal data)
    first_name: str | None
    playbook: str
    segment: str | None
    channel: str
    state: str
    version: int
    subject: str | None
    body: str
    sms_segments: int | None
    facts: dict[str, Any]
    findings: list[Finding]
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    regenerating: bool
    # Why this customer, now, and what approving does (None: the draft vanished meanwhile).
    explanation: DraftExplanation | None = None

    @property
    def reviewable(self) -> bool:
        return self.state in repo.REVIEWABLE and not self.regenerating

    @property
    def blocked(self) -> bool:
        return any(f.severity == "block" for f in self.findings)


def draft_view(session: Session, draft_id: int, now: datetime | None = None) -> DraftView | None:
    """The draft's card as of `now` (default: the clock); None when there is no such draft."""
    row = session.execute(
        select(Draft, Customer.external_id, Campaign.segment)
        .join(Customer, Customer.id == Draft.customer_id)
        .outerjoin(Campaign, Campaign.id == Draft.campaign_id)
        .where(Draft.id == draft_id)
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        return None
    draft, external, segment = row
    now = now or utcnow()
    facts = dict(draft.facts or {})
    customer = facts.get("customer")
    first = customer.get("first_name") if isinstance(customer, dict) else None
    return DraftView(
        id=draft.id,
        campaign_id=draft.campaign_id,
        customer=external,
        first_name=str(first) if first else None,
        playbook=draft.playbook,
        segment=segment,
        channel=draft.channel,
        state=draft.state,
        version=draft.version,
        subject=draft.subject,
        body=draft.body,
        sms_segments=analyse(draft.body).segments if draft.channel == "sms" else None,
        facts=facts,
        findings=stored_findings(draft) + consent_findings(session, draft),
        decided_by=draft.decided_by,
        decided_at=draft.decided_at,
        decision_note=draft.decision_note,
        regenerating=repo.regenerating(draft, now),
        explanation=explain_draft(session, draft.id, now=now),
    )


def consent_findings(session: Session, draft: Draft) -> list[Finding]:
    """A warning on the card when the draft would be held for want of AI-message consent."""
    required = get_settings().delivery.require_ai_consent
    notice = ai_consent_notice(session, draft, required=required)
    return [Finding(NO_AI_CONSENT, "warn", notice)] if notice else []


@dataclass(frozen=True)
class CampaignView:
    """A campaign's review overview: drafts by state, the risk split and a few samples."""

    id: int
    name: str
    playbook: str
    segment: str | None
    channel: str
    status: str
    drafts: dict[str, int]
    risk: dict[str, int]
    samples: list[DraftView] = field(default_factory=list)


def campaign_view(
    session: Session, campaign_id: int, policy: risk.RiskPolicy | None = None
) -> CampaignView | None:
    """The campaign's overview, read now; None when there is no such campaign."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return None
    states = Counter(
        dict(
            session.execute(
                select(Draft.state, func.count())
                .where(Draft.campaign_id == campaign_id)
                .group_by(Draft.state)
            ).all()
        )
    )
    assessed = risk.assess(session, campaign_id, policy or risk.RiskPolicy.from_settings())
    sample_ids = [a.draft_id for a in assessed[:SAMPLES]]
    samples = [view for i in sample_ids if (view := draft_view(session, i)) is not None]
    return CampaignView(
        id=campaign.id,
        name=campaign.name,
        playbook=campaign.playbook,
        segment=campaign.segment,
        channel=campaign.channel,
        status=campaign.status,
        drafts=dict(sorted(states.items())),
        risk=risk.summary(assessed),
        samples=samples,
    )


def reviewable_ids(session: Session, campaign_id: int | None = None) -> list[int]:
    """Ids of drafts waiting for a decision (pending review or needing attention), oldest first."""
    query = select(Draft.id).where(Draft.state.in_(repo.REVIEWABLE)).order_by(Draft.id)
    if campaign_id is not None:
        query = query.where(Draft.campaign_id == campaign_id)
    return list(session.execute(query).scalars())
