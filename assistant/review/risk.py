"""Which of a campaign's drafts are low-risk enough to approve in bulk ("review by risk").

Low-risk: pending review, guardrails found nothing at all (not even a warning), and the
customer is none of: a VIP (predicted value `clv_12m` above `ASSISTANT_REVIEW_VIP_CLV`), a
customer with a return in the last 30 days, a customer with an open conversation. Everyone
else always gets an individual look.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from assistant.config import Settings, get_settings
from assistant.models import Conversation, CustomerCLV, Draft, Return
from assistant.models.base import utcnow
from assistant.review import repository as repo

# Why a pending draft is not low-risk (the reasons shown to a marketer).
WARNINGS = "findings"
UNCHECKED = "unchecked"
VIP = "vip"
RECENT_RETURN = "recent_return"
OPEN_CONVERSATION = "open_conversation"
REGENERATING = "regenerating"


@dataclass(frozen=True)
class RiskPolicy:
    """The limits of bulk approval."""

    vip_clv: Decimal = Decimal(1000)
    return_days: int = 30

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> RiskPolicy:
        """The policy configured by ASSISTANT_REVIEW_VIP_CLV."""
        return cls(vip_clv=(settings or get_settings()).review.vip_clv)


@dataclass(frozen=True)
class Assessment:
    """One pending draft, as assessed: empty `reasons` means low-risk."""

    draft_id: int
    version: int
    body: str
    subject: str | None
    reasons: tuple[str, ...]

    @property
    def low_risk(self) -> bool:
        return not self.reasons


def _finding_reason(findings: Any) -> str | None:
    items = findings.get("items") if isinstance(findings, dict) else None
    if not isinstance(items, list):
        return UNCHECKED  # never went through the guardrails: not ours to wave through
    return WARNINGS if items else None


def assess(
    session: Session, campaign_id: int, policy: RiskPolicy, *, now: datetime | None = None
) -> list[Assessment]:
    """Every pending-review draft of the campaign with why it is not low-risk, by id."""
    now = now or utcnow()
    since = now - timedelta(days=policy.return_days)
    recent_return = (
        exists()
        .where(Return.customer_id == Draft.customer_id, Return.returned_at >= since)
        .label("recent_return")
    )
    open_conversation = (
        exists()
        .where(Conversation.customer_id == Draft.customer_id, Conversation.status == "open")
        .label("open_conversation")
    )
    rows = session.execute(
        select(
            Draft.id,
            Draft.version,
            Draft.body,
            Draft.subject,
            Draft.findings,
            Draft.regenerating_at,
            CustomerCLV.clv_12m,
            recent_return,
            open_conversation,
        )
        .outerjoin(CustomerCLV, CustomerCLV.customer_id == Draft.customer_id)
        .where(Draft.campaign_id == campaign_id, Draft.state == repo.PENDING_REVIEW)
        .order_by(Draft.id)
    ).all()
    assessed = []
    for draft_id, version, body, subject, findings, regen_at, clv, returned, talking in rows:
        reasons = []
        if reason := _finding_reason(findings):
            reasons.append(reason)
        # No metrics yet (no purchases) is not a VIP.
        if clv is not None and Decimal(clv) > policy.vip_clv:
            reasons.append(VIP)
        if returned:
            reasons.append(RECENT_RETURN)
        if talking:
            reasons.append(OPEN_CONVERSATION)
        if regen_at is not None and regen_at >= now - repo.REGENERATION_TIMEOUT:
            reasons.append(REGENERATING)
        assessed.append(Assessment(draft_id, version, body, subject, tuple(reasons)))
    return assessed


def low_risk_drafts(
    session: Session, campaign_id: int, policy: RiskPolicy, *, now: datetime | None = None
) -> list[int]:
    """Ids of the campaign's pending drafts that may be approved in bulk, in id order."""
    return [a.draft_id for a in assess(session, campaign_id, policy, now=now) if a.low_risk]


def summary(assessed: list[Assessment]) -> dict[str, int]:
    """How many are low-risk, and how many are held back for each reason."""
    counts = {"pending_review": len(assessed), "low_risk": 0}
    for item in assessed:
        if item.low_risk:
            counts["low_risk"] += 1
        for reason in item.reasons:
            counts[reason] = counts.get(reason, 0) + 1
    return counts
