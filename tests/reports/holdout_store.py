"""A hand-built store for the holdout report (rows written directly; the report reads them).

Campaign A (check_in, created T0 = 2026-11-02 10:00 UTC, 10 % holdout):

    member  arm       orders (attribution window: 7 days)           counted
    t1      treated   50.00 one day later                           converted, 50.00
    t2      treated   30.00 eight days later; 99.00 cancelled        not converted
    t3      treated   25.00 an hour *before* the campaign            not converted
    t4      treated   (none)                                         not converted
    h1      holdout   20.00 two days later                           converted, 20.00
    h2      holdout   (none)                                         not converted
    x1      skipped no_consent, 70.00 a day later                    left out

Treated: 1 of 4 converted (25 %), revenue 50.00, 12.50 per customer.
Holdout: 1 of 2 (50 %), revenue 20.00, 10.00 per customer.
Campaign B (upsell, trigger `repeat_product`, 20 %): one treated, one holdout, no orders.
Campaign C (check_in, no holdout recorded): one treated with an order; not compared.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from assistant.models import Campaign, CampaignMember
from tests.reports.outcomes_store import DAY, T0, customer, order


@dataclass(frozen=True)
class HoldoutStore:
    a: int
    b: int
    c: int


def _campaign(session: Session, playbook: str, percent: float | None, trigger: str | None) -> int:
    options = {} if percent is None else {"holdout_percent": percent}
    row = Campaign(
        name=f"{playbook} {percent}",
        playbook=playbook,
        segment=None if trigger else "recent",
        channel="sms",
        trigger=trigger,
        options=options,
        created_at=T0,
    )
    session.add(row)
    session.flush()
    return row.id


def _member(session: Session, campaign_id: int, status: str, reason: str | None = None) -> int:
    who = customer(session)
    session.add(
        CampaignMember(campaign_id=campaign_id, customer_id=who, status=status, skip_reason=reason)
    )
    session.flush()
    return who


def holdout_store(session: Session) -> HoldoutStore:
    """The campaigns of the table above."""
    a = _campaign(session, "check_in", 10, None)
    t1, t2, t3 = (_member(session, a, s) for s in ("drafted", "drafted", "pending"))
    _member(session, a, "failed")
    h1 = _member(session, a, "skipped", "holdout")
    _member(session, a, "skipped", "holdout")
    x1 = _member(session, a, "skipped", "no_consent")
    order(session, t1, T0 + DAY, "50.00")
    order(session, t2, T0 + 8 * DAY, "30.00")
    order(session, t2, T0 + DAY, "99.00", status="cancelled")
    order(session, t3, T0 - DAY / 24, "25.00")
    order(session, h1, T0 + 2 * DAY, "20.00")
    order(session, x1, T0 + DAY, "70.00")
    b = _campaign(session, "upsell", 20, "repeat_product")
    _member(session, b, "drafted")
    _member(session, b, "skipped", "holdout")
    c = _campaign(session, "check_in", None, None)
    order(session, _member(session, c, "drafted"), T0 + DAY, "10.00")
    return HoldoutStore(a, b, c)
