"""Why a draft exists and what would happen if it were approved: one view model for every
review channel (Slack cards, the terminal review, the API), so a reviewer can decide from
the card alone.

`explain_draft` reads what is stored with the draft (its facts: the qualifying row) and
computes only what is not: the key metrics, the destination and consent (through
`consent.service.consent_of`), the guardrail checks, and the planned send time (the
scheduler's own evaluation, `delivery.schedule.planned_verdict`, which writes nothing).
A fixed number of queries per draft, whatever the campaign's size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.config import get_settings
from assistant.consent.service import consent_of
from assistant.delivery.policy import DeliveryPolicy
from assistant.delivery.quiet_hours import resolve_zone
from assistant.delivery.rules import (
    WEBHOOK,
    address_of,
    consent_problem,
    customer_zone,
    webhook_suppressed,
)
from assistant.delivery.schedule import message_kind, planned_verdict
from assistant.drafting.guardrails.findings import CODES
from assistant.masking import mask_address
from assistant.models import Campaign, Customer, CustomerMetrics, Draft, Message
from assistant.review.explain_words import TRIGGER_RULES, fill, qualifying_lines, reason_words
from assistant.segments.registry import load_catalog
from assistant.segments.service import describe
from assistant.triggers.config import TriggersConfigError, load_triggers

SendStatus = Literal["on_approval", "deferred", "held", "scheduled", "sent", "not_sent"]
# Guardrail families (docs/guardrails.md) in words; a family not listed shows as its name.
CHECK_LABELS: Mapping[str, str] = {
    "integrity": "text integrity",
    "sms": "SMS length and opt-out",
    "email": "email subject and length",
    "name": "customer's name",
    "facts": "nothing invented (prices, dates, codes, products, links)",
    "brand": "brand voice",
    "sensitive": "sensitive topics and tone",
    "reply": "reply tone",
}
CHANNEL_WORDS = {"sms": "SMS", "email": "Email", WEBHOOK: "Push / in-app (webhook)"}
# Draft states whose message exists (or existed): its row says when it goes or went.
MESSAGE_STATES = ("scheduled", "sent", "delivered", "failed")


@dataclass(frozen=True)
class Why:
    """Why this customer, now: the segment rule or the trigger, and the qualifying row."""

    source: Literal["segment", "trigger", "conversation", "direct"]
    name: str | None
    rule: str | None
    qualifying: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        if self.source == "conversation":
            return "a reply in a conversation the customer started"
        if self.name is None:
            return "drafted for this customer directly (no segment or trigger)"
        head = f"{self.source} {self.name}"
        return f"{head}: {self.rule}" if self.rule else head


@dataclass(frozen=True)
class KeyMetrics:
    """The customer's numbers from the last metrics refresh (None: not computed yet)."""

    orders: int | None
    lifetime_spend: str | None
    predicted_12m: str | None
    last_order_on: date | None

    @property
    def summary(self) -> str:
        return (
            f"{self.orders if self.orders is not None else '?'} orders · "
            f"lifetime spend {self.lifetime_spend or 'unknown'} · "
            f"predicted 12-month value {self.predicted_12m or 'unknown'} · "
            f"last order {self.last_order_on or 'none'}"
        )


@dataclass(frozen=True)
class Destination:
    """Where the message goes: the channel and the masked address."""

    channel: str
    address: str | None

    @property
    def summary(self) -> str:
        words = CHANNEL_WORDS.get(self.channel, self.channel)
        return f"{words} to {self.address}" if self.address else f"{words}: no address on file"


@dataclass(frozen=True)
class ConsentState:
    """Consent on the draft's channel, where it came from, and whether anything stops it."""

    granted: bool
    source: str | None
    at: datetime | None
    suppressed: bool
    problem: str | None  # the delivery rules' reason it may not be sent (None: it may)

    @property
    def summary(self) -> str:
        origin = ", ".join(
            part for part in (self.source, f"{self.at:%Y-%m-%d}" if self.at else None) if part
        )
        text = ("granted" if self.granted else "not granted") + (f" ({origin})" if origin else "")
        if self.problem and self.problem != "suppressed":
            text += f": {reason_words(self.problem)}"
        if self.suppressed:
            text += "; the address is suppressed"
        return text


@dataclass(frozen=True)
class GuardrailSummary:
    """What the guardrails checked on the current text, and what they found."""

    checked: bool
    checks: tuple[str, ...]
    findings: tuple[str, ...]
    blocking: int

    @property
    def summary(self) -> str:
        """What ran and the outcome; the findings themselves are listed by the card."""
        if not self.checked:
            return "not checked yet"
        count = len(self.checks)
        if not self.findings:
            return f"all {count} checks passed ({', '.join(self.checks)})"
        found = len(self.findings)
        text = f"{found} finding{'s' if found != 1 else ''}"
        text += f" ({self.blocking} blocking)" if self.blocking else " (warnings only)"
        return f"{text} from {count} checks ({', '.join(self.checks)})"


@dataclass(frozen=True)
class SendPlan:
    """When the message would go (or went), in the customer's time zone and UTC."""

    status: SendStatus
    at: datetime | None
    zone: str
    reason: str | None = None

    @property
    def local(self) -> str | None:
        if self.at is None:
            return None
        local = self.at.astimezone(resolve_zone(self.zone, "UTC"))
        utc = self.at.astimezone(resolve_zone("UTC", "UTC"))
        return f"{local:%Y-%m-%d %H:%M} {self.zone} ({utc:%Y-%m-%d %H:%M} UTC)"

    @property
    def summary(self) -> str:
        why = f": {reason_words(self.reason)}" if self.reason else ""
        if self.status == "on_approval":
            return "right away on approval (every rule allows it now)"
        if self.status == "deferred":
            return f"on approval, at {self.local}{why}"
        if self.status == "scheduled":
            return f"scheduled for {self.local}{why}"
        if self.status == "sent":
            return f"sent {self.local}"
        if self.status == "held":
            return f"held{why}"
        return f"not sent{why}"


@dataclass(frozen=True)
class DraftExplanation:
    """Everything a reviewer needs beside the text: why, numbers, where, consent, checks, when."""

    draft_id: int
    why: Why
    metrics: KeyMetrics
    destination: Destination
    consent: ConsentState
    guardrails: GuardrailSummary
    send: SendPlan

    def rows(self) -> list[tuple[str, str]]:
        """(label, plain text) pairs, in the order every channel shows them."""
        rows = [("Why", self.why.summary)]
        rows += [("Qualifying", line) for line in self.why.qualifying]
        rows += [
            ("Customer", self.metrics.summary),
            ("Goes to", self.destination.summary),
            ("Consent", self.consent.summary),
            ("Guardrails", self.guardrails.summary),
            ("Send time", self.send.summary),
        ]
        return rows

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, with each part's summary (the API's `explanation`)."""
        return {
            "why": {
                "source": self.why.source,
                "name": self.why.name,
                "rule": self.why.rule,
                "qualifying": list(self.why.qualifying),
                "summary": self.why.summary,
            },
            "metrics": {
                "orders": self.metrics.orders,
                "lifetime_spend": self.metrics.lifetime_spend,
                "predicted_12m": self.metrics.predicted_12m,
                "last_order_on": self.metrics.last_order_on,
            },
            "destination": {
                "channel": self.destination.channel,
                "address": self.destination.address,
            },
            "consent": {
                "granted": self.consent.granted,
                "source": self.consent.source,
                "at": self.consent.at,
                "suppressed": self.consent.suppressed,
                "problem": self.consent.problem,
                "summary": self.consent.summary,
            },
            "guardrails": {
                "checks": list(self.guardrails.checks),
                "findings": list(self.guardrails.findings),
                "blocking": self.guardrails.blocking,
                "summary": self.guardrails.summary,
            },
            "send": {
                "status": self.send.status,
                "at": self.send.at,
                "zone": self.send.zone,
                "reason": self.send.reason,
                "summary": self.send.summary,
            },
        }


# -- building it --------------------------------------------------------------------------


def _segment_rule(name: str, params: Mapping[str, Any] | None) -> str | None:
    segment = load_catalog().segments.get(name)
    if segment is None:
        return None
    return describe(segment.description, {**segment.params, **(params or {})})


def _trigger_rule(name: str) -> str | None:
    try:
        trigger = load_triggers().triggers.get(name)
    except TriggersConfigError:
        return None
    if trigger is None:
        return None
    template = TRIGGER_RULES.get(trigger.kind)
    params = dict(trigger.params)
    if params.get("lifetime_spend") is not None:
        currency = get_settings().app.default_currency
        params["lifetime_spend"] = f"{params['lifetime_spend']:,} {currency}"
    fires = f"fires on {fill(template, params)}" if template else trigger.kind
    return f"{trigger.label}, {fires}"


def _why(draft: Draft, campaign: Campaign | None) -> Why:
    facts = draft.facts or {}
    lines = tuple(qualifying_lines(facts))
    if draft.conversation_id is not None or message_kind(draft) == "conversation":
        return Why("conversation", None, None, lines)
    trigger = facts.get("trigger") if isinstance(facts.get("trigger"), Mapping) else None
    trigger_name = (campaign.trigger if campaign else None) or (trigger or {}).get("name")
    if trigger_name:
        return Why("trigger", str(trigger_name), _trigger_rule(str(trigger_name)), lines)
    if campaign is not None and campaign.segment:
        params = (campaign.options or {}).get("segment_params")
        rule = _segment_rule(campaign.segment, params if isinstance(params, Mapping) else None)
        return Why("segment", campaign.segment, rule, lines)
    return Why("direct", None, None, lines)


def _money(amount: Any, currency: str) -> str | None:
    return None if amount is None else f"{amount:,.2f} {currency}"


def _metrics(session: Session, customer: Customer, zone: str) -> KeyMetrics:
    row = session.get(CustomerMetrics, customer.id)
    if row is None:
        return KeyMetrics(None, None, None, None)
    currency = get_settings().app.default_currency
    last = row.last_order_at
    return KeyMetrics(
        orders=row.orders_count,
        lifetime_spend=_money(row.lifetime_spend, currency),
        predicted_12m=_money(row.clv_12m, currency),
        last_order_on=last.astimezone(resolve_zone(zone, "UTC")).date() if last else None,
    )


def _consent(
    session: Session, customer: Customer, channel: str
) -> tuple[Destination, ConsentState]:
    problem = consent_problem(customer, channel)
    if channel == WEBHOOK:
        masked = mask_address(address_of(customer, channel))
        suppressed = webhook_suppressed(session, customer)
        state = ConsentState(problem is None, "brand app", None, suppressed, problem)
        return Destination(channel, masked), state
    read = consent_of(session, customer.external_id).channels[channel]
    state = ConsentState(read.granted, read.source, read.at, read.suppressed, problem)
    return Destination(channel, read.destination), state


def _checks(channel: str, conversation: bool) -> tuple[str, ...]:
    skip = {"email"} if channel != "email" else {"sms"}
    if not conversation:
        skip.add("reply")
    families = dict.fromkeys(info.family for info in CODES.values())
    return tuple(CHECK_LABELS.get(f, f) for f in families if f not in skip)


def _guardrails(draft: Draft) -> GuardrailSummary:
    stored = draft.findings or {}
    items = stored.get("items")
    found: Sequence[Mapping[str, Any]] = (
        [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []
    )
    lines = tuple(
        f"{i.get('severity', 'warn')} {i.get('code', '')}: {i.get('message', '')}".strip()
        for i in found
    )
    blocking = sum(1 for i in found if i.get("severity") == "block")
    checks = _checks(draft.channel, message_kind(draft) == "conversation")
    return GuardrailSummary(isinstance(items, list), checks, lines, blocking)


def _message(session: Session, draft_id: int) -> Message | None:
    return session.execute(
        select(Message)
        .where(Message.draft_id == draft_id, Message.direction == "outbound")
        .order_by(Message.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _send_plan(
    session: Session, draft: Draft, customer: Customer, now: datetime, policy: DeliveryPolicy
) -> SendPlan:
    zone = customer_zone(customer, policy).key
    if draft.state in ("rejected", "cancelled"):
        message = _message(session, draft.id)
        reason = message.error_code if message and message.error_code else draft.state
        return SendPlan("not_sent", None, zone, reason)
    if draft.state in MESSAGE_STATES:
        message = _message(session, draft.id)
        if message is None:
            return SendPlan("not_sent", None, zone, draft.state)
        if message.status == "scheduled":
            return SendPlan("scheduled", message.scheduled_for, zone, message.error_code)
        if message.sent_at is not None:
            return SendPlan("sent", message.sent_at, zone)
        return SendPlan("not_sent", None, zone, message.error_code or message.status)
    verdict = planned_verdict(session, draft, customer, now=now, policy=policy)
    if verdict.action == "send":
        return SendPlan("on_approval", None, zone)
    if verdict.action == "defer":
        return SendPlan("deferred", verdict.until, zone, verdict.reason)
    return SendPlan("held", None, zone, verdict.reason)


def explain_draft(
    session: Session,
    draft_id: int,
    *,
    now: datetime,
    policy: DeliveryPolicy | None = None,
) -> DraftExplanation | None:
    """The explanation of one draft as of `now`; None when there is no such draft."""
    row = session.execute(
        select(Draft, Customer, Campaign)
        .join(Customer, Customer.id == Draft.customer_id)
        .outerjoin(Campaign, Campaign.id == Draft.campaign_id)
        .where(Draft.id == draft_id)
    ).one_or_none()
    if row is None:
        return None
    draft, customer, campaign = row
    policy = policy or DeliveryPolicy.from_settings(get_settings())
    zone = customer_zone(customer, policy).key
    destination, consent = _consent(session, customer, draft.channel)
    return DraftExplanation(
        draft_id=draft.id,
        why=_why(draft, campaign),
        metrics=_metrics(session, customer, zone),
        destination=destination,
        consent=consent,
        guardrails=_guardrails(draft),
        send=_send_plan(session, draft, customer, now, policy),
    )
