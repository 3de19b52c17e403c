"""Who in a campaign may get a draft, and why not: one reason per skipped member.

Checked set-based per batch, in this order (the first that applies is the reason):
`opted_out` (the customer withdrew consent on the channel themself), `suppressed` (the
address is on the suppression list), `no_consent`, `no_contact` (no phone for SMS, no email
for email; the webhook channel's address is the external id and its only consent problem
an opt-out of all messaging), `already_drafted` (this campaign's draft exists), `cooldown`
(a draft of this playbook from another campaign within its cooldown days; rejected or
cancelled ones don't count), `outside_timing` (the qualifying event is outside the
playbook's days-after window) and `missing_facts` (the segment does not give what the
playbook needs). A customer who passes every check may still be held out (`holdout`,
decided by the campaign or trigger, see `holdout`): recorded, never drafted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from assistant.delivery.rules import ASKED_IN_WORDS, WEBHOOK, address_of, webhook_consent_problem
from assistant.drafting.context import Facts, FactsBuilder, Member, event_day, missing_facts
from assistant.drafting.repository import existing_drafts
from assistant.fingerprints import address_keys, fingerprint
from assistant.models import Customer, Draft, DraftState, Suppression
from assistant.models.customer import CUSTOMER_REVOCATION_SOURCES

SKIP_REASONS = (
    "opted_out",
    "suppressed",
    "no_consent",
    "no_contact",
    "already_drafted",
    "cooldown",
    "outside_timing",
    "missing_facts",
    "holdout",
)
# Drafts that never reached the customer do not start a cooldown.
NOT_COOLING = (DraftState.REJECTED, DraftState.CANCELLED)


@dataclass
class Decision:
    """For one batch: the reason each ineligible customer is skipped, the others' facts."""

    skipped: dict[int, str] = field(default_factory=dict)
    facts: dict[int, Facts] = field(default_factory=dict)


@dataclass(frozen=True)
class _Contact:
    consent: bool
    source: str | None
    address: str | None


class Eligibility:
    """Decides eligibility for one campaign (or a preview: `campaign_id` None)."""

    def __init__(self, builder: FactsBuilder, *, campaign_id: int | None, now: datetime) -> None:
        self.builder = builder
        self.campaign_id = campaign_id
        self.now = now

    @property
    def channel(self) -> str:
        return self.builder.channel

    def check(self, session: Session, members: Sequence[Member]) -> Decision:
        """Skip reasons, then the facts of the customers that remain."""
        decision = Decision()
        if not members:
            return decision
        ids = sorted({cid for cid, _ in members})
        contacts = self._contacts(session, ids)
        suppressed = self._suppressed(session, contacts)
        drafted = (
            existing_drafts(session, self.campaign_id, ids)
            if self.campaign_id is not None
            else set()
        )
        cooling = self._cooling(session, ids)
        for customer_id in ids:
            contact = contacts.get(customer_id)
            reason: str | None = None
            if contact is None:
                reason = "missing_facts"
            elif not contact.consent and contact.source in CUSTOMER_REVOCATION_SOURCES:
                reason = "opted_out"
            elif contact.address and contact.address.lower() in suppressed:
                reason = "suppressed"
            elif not contact.consent:
                reason = "no_consent"
            elif not contact.address:
                reason = "no_contact"
            elif customer_id in drafted:
                reason = "already_drafted"
            elif customer_id in cooling:
                reason = "cooldown"
            if reason:
                decision.skipped[customer_id] = reason
        remaining = [(cid, q) for cid, q in members if cid not in decision.skipped]
        facts = self.builder.build(session, remaining)
        timing = self.builder.playbook.timing
        for customer_id, _ in remaining:
            found = facts.get(customer_id)
            if found is None or missing_facts(self.builder.playbook.name, found):
                decision.skipped[customer_id] = "missing_facts"
                continue
            day = event_day(found, timing.event)
            if day is not None and not timing.allows(_days(self.builder.as_of, day)):
                decision.skipped[customer_id] = "outside_timing"
                continue
            decision.facts[customer_id] = found
        return decision

    def _contacts(self, session: Session, ids: Sequence[int]) -> dict[int, _Contact]:
        # Contact details are read to check them, never to pass them on.
        if self.channel == WEBHOOK:
            return self._webhook_contacts(session, ids)
        if self.channel == "sms":
            columns = (Customer.sms_consent, Customer.sms_consent_source, Customer.phone)
        else:
            columns = (Customer.email_consent, Customer.email_consent_source, Customer.email)
        rows = session.execute(select(Customer.id, *columns).where(Customer.id.in_(ids))).all()
        return {
            row[0]: _Contact(bool(row[1]), row[2], (row[3] or "").strip() or None) for row in rows
        }

    def _webhook_contacts(self, session: Session, ids: Sequence[int]) -> dict[int, _Contact]:
        """The webhook channel's address is the external id; its consent is the brand app's,
        so only an opt-out of all messaging stops it (`rules.webhook_consent_problem`)."""
        people = session.execute(select(Customer).where(Customer.id.in_(ids))).scalars()
        contacts = {}
        for person in people:
            opted_out = webhook_consent_problem(person) == "opted_out"
            source = ASKED_IN_WORDS if opted_out else None
            contacts[person.id] = _Contact(not opted_out, source, address_of(person, WEBHOOK))
        return contacts

    def _suppressed(self, session: Session, contacts: Mapping[int, _Contact]) -> set[str]:
        """The suppressed addresses among `contacts`, lower case (fingerprints matched too)."""
        addresses = {c.address for c in contacts.values() if c.address}
        if not addresses:
            return set()
        found = set(
            session.execute(
                select(func.lower(Suppression.address)).where(
                    Suppression.channel == self.channel,
                    func.lower(Suppression.address).in_(address_keys(addresses)),
                )
            ).scalars()
        )
        return {a.lower() for a in addresses if a.lower() in found or fingerprint(a) in found}

    def _cooling(self, session: Session, ids: Sequence[int]) -> set[int]:
        days = self.builder.playbook.cooldown_days
        if days <= 0:
            return set()
        since = self.now - timedelta(days=days)
        other_campaign = (
            or_(Draft.campaign_id.is_(None), Draft.campaign_id != self.campaign_id)
            if self.campaign_id is not None
            else Draft.id.is_not(None)
        )
        rows = session.execute(
            select(Draft.customer_id)
            .where(
                Draft.customer_id.in_(ids),
                Draft.playbook == self.builder.playbook.name,
                Draft.created_at >= since,
                Draft.state.not_in([s.value for s in NOT_COOLING]),
                other_campaign,
            )
            .distinct()
        ).scalars()
        return set(rows)


def _days(as_of: date, day: date) -> int:
    return (as_of - day).days
