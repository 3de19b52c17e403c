"""The rules every outgoing message passes, when it is scheduled and again when it is sent.

In order: channel consent and an address; our suppression list; the consent ledger of the
exact address (assistant.consent.ledger) and, with ASSISTANT_REQUIRE_AI_CONSENT, the address's
consent to AI-drafted messages (`no_ai_consent`, held); for marketing messages, a
hold when the customer replied or bought since the draft was written, the playbook's timing
window, the frequency cap (per customer and channel), the contact cap (per customer across
every channel: one marketing message a day by default) and the sending window in the customer's
zone (assistant.delivery.windows: the brand's quiet hours and holiday skip, and for SMS the
country's and US state's legal limits).
A message outside its window is deferred to the next moment every rule allows, never dropped.
Conversation replies (kind `conversation`) answer the customer, so only consent and the
suppression list apply, and consent in its 1:1 form (`reply_consent_problem`): a customer who
texted us within the last 24 hours may get an answer without recorded SMS marketing consent,
but never one who opted out (STOP, a free-text request, the provider's 21610) or is suppressed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.consent import ledger
from assistant.delivery.policy import DeliveryPolicy
from assistant.delivery.windows import sending_window, zone_of
from assistant.drafting.context import event_day
from assistant.fingerprints import address_keys
from assistant.metrics.queries import EXCLUDED_STATUSES
from assistant.models import Campaign, Customer, Draft, Message, Order, Suppression
from assistant.models.campaign import CampaignStatus
from assistant.models.customer import CUSTOMER_REVOCATION_SOURCES
from assistant.playbooks import PLAYBOOKS

Action = Literal["send", "defer", "cancel", "hold"]

# Outbound messages that reached the provider (or may have): they count against the cap.
SENT_STATUSES = ("sending", "sent", "delivered", "undelivered")
# Consent withdrawn by the customer (directly or through the provider's STOP handling).
REVOKED_SOURCES = (*CUSTOMER_REVOCATION_SOURCES, "provider")
WEBHOOK = "webhook"
# A withdrawal the customer put in words ("please stop messaging me"): it covers every channel.
ASKED_IN_WORDS = "customer_request"
# A staff-written reply's draft `model`: everything else a draft holds was drafted by an AI.
STAFF_MODEL = "staff"
# How long after a customer's own message a conversation reply needs no marketing consent.
REPLY_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Verdict:
    """What to do with a message now: send it, defer it `until`, or cancel/hold it (`reason`)."""

    action: Action
    reason: str | None = None
    until: datetime | None = None


def customer_zone(customer: Customer, policy: DeliveryPolicy) -> ZoneInfo:
    """The customer's zone; unknown → their number's (when it has one zone), else the brand's."""
    return zone_of(customer, policy)


def address_of(customer: Customer, channel: str) -> str | None:
    """The customer's current phone (sms), email address (email) or, for the webhook
    channel, the brand's own customer id (`external_id`), if any."""
    if channel == WEBHOOK:
        value = customer.external_id if customer.forgotten_at is None else None
    else:
        value = customer.phone if channel == "sms" else customer.email
    return (value or "").strip() or None


def opted_out_of_all(customer: Customer) -> bool:
    """Whether the customer opted out of all messaging: they asked us in words to stop
    (`customer_request`, on any channel), or withdrew consent themself on every channel we
    hold it for (STOP and an unsubscribe). A STOP alone is about SMS, an unsubscribe alone
    about email: neither stops the brand's push / in-app messages."""
    withdrawals = [
        source if not granted and source in REVOKED_SOURCES else None
        for granted, source in (
            (customer.sms_consent, customer.sms_consent_source),
            (customer.email_consent, customer.email_consent_source),
        )
    ]
    return ASKED_IN_WORDS in withdrawals or all(withdrawals)


def webhook_consent_problem(customer: Customer) -> str | None:
    """Why the customer may not get a push / in-app message through the webhook channel.

    The permission to notify is held by the brand's app (the OS prompt, the app's settings),
    not by us, so there is no `no_consent` here. What we do hold is honoured: a customer who
    opted out of all messaging (`opted_out_of_all`) gets nothing through us either
    (`opted_out`); a forgotten customer has no address (`no_address`). The suppression list
    is checked by `evaluate` (`webhook_suppressed`)."""
    if opted_out_of_all(customer):
        return "opted_out"
    if address_of(customer, WEBHOOK) is None:
        return "no_address"
    return None


def consent_problem(customer: Customer, channel: str) -> str | None:
    """Why the customer may not get a message on `channel` (None: they may)."""
    if channel == WEBHOOK:
        return webhook_consent_problem(customer)
    if channel == "sms":
        consent, source = customer.sms_consent, customer.sms_consent_source
    else:
        consent, source = customer.email_consent, customer.email_consent_source
    if not consent:
        return "opted_out" if source in REVOKED_SOURCES else "no_consent"
    if address_of(customer, channel) is None:
        return "no_address"
    return None


def wrote_recently(session: Session, customer_id: int, channel: str, now: datetime) -> bool:
    """Whether the customer sent us a message on `channel` within `REPLY_WINDOW` of `now`."""
    found = session.execute(
        select(Message.id)
        .where(
            Message.customer_id == customer_id,
            Message.channel == channel,
            Message.direction == "inbound",
            Message.created_at > now - REPLY_WINDOW,
        )
        .limit(1)
    ).first()
    return found is not None


def reply_consent_problem(
    session: Session, customer: Customer, channel: str, now: datetime
) -> str | None:
    """`consent_problem` for a conversation reply: a 1:1 answer to the customer's own message.

    A customer without recorded SMS (or email) marketing consent who wrote to us in the last
    24 hours may be answered: they started this exchange (the consent they never gave is for
    marketing).
    Not an opted-out customer (`opted_out`: sms_keyword, customer_request, provider), nor one
    without a number; the suppression list is checked separately (`evaluate`) and still wins.
    Checked again at send time, so a reply sent after the window has closed is cancelled.
    """
    problem = consent_problem(customer, channel)
    if problem != "no_consent" or channel not in ("sms", "email"):
        return problem
    if not wrote_recently(session, customer.id, channel, now):
        return problem
    return None if address_of(customer, channel) is not None else "no_address"


def ledger_problem(
    session: Session, message: Message, customer: Customer, now: datetime
) -> str | None:
    """The consent ledger of the exact address the message goes to (assistant.consent.ledger):
    consent recorded for the customer's old number is no consent for the new one. A 1:1
    reply to a customer who texted within `REPLY_WINDOW` needs no recorded consent, as in
    `reply_consent_problem`; an opt-out recorded for the address still stops it."""
    channel = message.channel
    problem = ledger.destination_problem(
        session, customer.id, channel, address_of(customer, channel)
    )
    if (
        problem == ledger.NOT_FOR_ADDRESS
        and message.kind == "conversation"
        and wrote_recently(session, customer.id, channel, now)
    ):
        return None
    return problem


def ai_drafted(draft: Draft | None) -> bool:
    """Whether an AI drafted the message (a staff reply and a message without a draft: no)."""
    return draft is not None and (draft.model or "") != STAFF_MODEL


def ai_consented(session: Session, customer: Customer, channel: str, draft: Draft | None) -> bool:
    """Whether the message may go out where AI-drafted messages need the destination's AI
    consent (ASSISTANT_REQUIRE_AI_CONSENT): it was not AI-drafted, or the address consented."""
    if channel not in ledger.LEDGER_CHANNELS or not ai_drafted(draft):
        return True
    return ledger.ai_consent(session, channel, address_of(customer, channel))


def ai_consent_notice(session: Session, draft: Draft, *, required: bool) -> str | None:
    """What a review card says when approving `draft` would not send it: AI-message consent
    is `required` and the customer's address has none (None: nothing to say)."""
    if not required or draft.channel not in ledger.LEDGER_CHANNELS:
        return None
    customer = session.get(Customer, draft.customer_id)
    if customer is None or ai_consented(session, customer, draft.channel, draft):
        return None
    return (
        "this address has not consented to AI-drafted messages "
        "(ASSISTANT_REQUIRE_AI_CONSENT): approved, it is held, not sent"
    )


def is_suppressed(session: Session, channel: str, addresses: Sequence[str | None]) -> bool:
    """Whether any of `addresses` is on our suppression list for `channel`."""
    wanted = address_keys(addresses)  # a forgotten customer's opt-out is kept as a fingerprint
    if not wanted:
        return False
    found = session.execute(
        select(Suppression.id)
        .where(Suppression.channel == channel, func.lower(Suppression.address).in_(wanted))
        .limit(1)
    ).first()
    return found is not None


def webhook_suppressed(session: Session, customer: Customer) -> bool:
    """Whether a webhook message to `customer` is suppressed: their external id is on the
    list for the webhook channel, or one of their addresses is there because they asked in
    words to stop (`customer_request`: the list keeps it after the customer is edited)."""
    if is_suppressed(session, WEBHOOK, [address_of(customer, WEBHOOK)]):
        return True
    wanted = {
        channel: address_keys([address_of(customer, channel)]) for channel in ("sms", "email")
    }
    for channel, keys in wanted.items():
        if not keys:
            continue
        found = session.execute(
            select(Suppression.id)
            .where(
                Suppression.channel == channel,
                func.lower(Suppression.address).in_(keys),
                Suppression.reason == ASKED_IN_WORDS,
            )
            .limit(1)
        ).first()
        if found is not None:
            return True
    return False


def hold_reason(session: Session, customer_id: int, since: datetime) -> str | None:
    """`customer_replied` / `customer_purchased` when that happened after `since`."""
    replied = session.execute(
        select(Message.id)
        .where(
            Message.customer_id == customer_id,
            Message.direction == "inbound",
            Message.created_at > since,
        )
        .limit(1)
    ).first()
    if replied is not None:
        return "customer_replied"
    bought = session.execute(
        select(Order.id)
        .where(
            Order.customer_id == customer_id,
            Order.ordered_at > since,
            Order.status.not_in(EXCLUDED_STATUSES),
        )
        .limit(1)
    ).first()
    return "customer_purchased" if bought is not None else None


def campaign_verdict(session: Session, draft: Draft, now: datetime) -> Verdict | None:
    """Cancelled campaign → cancel `campaign_cancelled`; paused → wait `campaign_paused`.

    A paused campaign's message keeps its time: the sender's due query leaves it out until
    the campaign is resumed, and then it is due at once."""
    if draft.campaign_id is None:
        return None
    status = session.execute(
        select(Campaign.status).where(Campaign.id == draft.campaign_id)
    ).scalar()
    if status == CampaignStatus.CANCELLED:
        return Verdict("cancel", "campaign_cancelled")
    if status == CampaignStatus.PAUSED:
        return Verdict("defer", "campaign_paused", until=now)
    return None


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def timing_window(draft: Draft, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """When the draft's playbook allows it: from the local start of `event + min_days` to the
    local end of `event + max_days` (None: no bound, or the facts do not date the event)."""
    playbook = PLAYBOOKS.get(draft.playbook)
    if playbook is None:
        return None, None
    day = event_day(draft.facts or {}, playbook.timing.event)
    if day is None:
        return None, None
    low, high = playbook.timing.min_days_after, playbook.timing.max_days_after
    opens = _local_midnight(day + timedelta(days=low), zone) if low is not None else None
    closes = _local_midnight(day + timedelta(days=high + 1), zone) if high is not None else None
    return opens, closes


def next_under_cap(
    times: Sequence[datetime], start: datetime, cap: int, window: timedelta
) -> datetime:
    """The first moment at or after `start` that puts at most `cap` messages in any window of
    length `window` around it, given the other messages' `times` (0 cap or window: no cap)."""
    if cap <= 0 or window <= timedelta(0):
        return start
    candidates = sorted({start, *(t + window for t in times if t + window > start)})
    for moment in candidates:
        if sum(1 for t in times if moment - window < t < moment + window) < cap:
            return moment
    return candidates[-1]  # unreachable: nothing is within a window of the last candidate


def _cap_times(
    session: Session, message: Message, now: datetime, at_send: bool
) -> dict[str, list[datetime]]:
    """When the customer's other marketing messages went (or will go) out, by channel.

    At scheduling, scheduled ones count too, so two approvals are spread apart; at sending,
    only those that went out count, so two due messages never defer each other forever.
    """
    statuses = SENT_STATUSES if at_send else ("scheduled", *SENT_STATUSES)
    rows = session.execute(
        select(Message.channel, Message.status, Message.sent_at, Message.scheduled_for).where(
            Message.customer_id == message.customer_id,
            Message.direction == "outbound",
            Message.kind == "marketing",
            Message.status.in_(statuses),
            Message.id != message.id,
        )
    ).all()
    times: dict[str, list[datetime]] = {}
    for channel, status, sent_at, scheduled_for in rows:
        at = cap_time(status, sent_at, scheduled_for, now)
        if at is not None:
            times.setdefault(channel, []).append(at)
    return times


def cap_time(
    status: str, sent_at: datetime | None, scheduled_for: datetime | None, now: datetime
) -> datetime | None:
    """When a marketing message counts against the caps: now if in flight, its scheduled
    time if scheduled, else when it was sent."""
    if status == "sending":
        return now
    return scheduled_for if status == "scheduled" else sent_at


def next_under_caps(
    times: dict[str, list[datetime]], channel: str, start: datetime, policy: DeliveryPolicy
) -> datetime:
    """The first moment at or after `start` under both the channel's cap and the contact cap
    across channels (each only moves the moment later, so alternating them settles)."""
    same_channel = times.get(channel, [])
    every_channel = [at for channel_times in times.values() for at in channel_times]
    moment = start
    for _ in range(1000):
        capped = next_under_cap(same_channel, moment, policy.frequency_cap, policy.frequency_window)
        capped = next_under_cap(every_channel, capped, policy.contact_cap, policy.contact_window)
        if capped == moment:
            break
        moment = capped
    return moment


def evaluate(
    session: Session,
    message: Message,
    customer: Customer,
    draft: Draft | None,
    *,
    now: datetime,
    policy: DeliveryPolicy,
    at_send: bool,
    earliest: datetime | None = None,
) -> Verdict:
    """Every rule for `message` at `now`: send, defer until the next allowed moment, or stop.

    `earliest` (a marketing message's learned send time) is where the search starts; a
    wait that only it causes has reason `send_time`, and every rule may move it later."""
    if message.kind == "conversation":
        problem = reply_consent_problem(session, customer, message.channel, now)
    else:
        problem = consent_problem(customer, message.channel)
    if problem is not None:
        return Verdict("cancel", problem)
    addresses = [message.to_address, address_of(customer, message.channel)]
    if is_suppressed(session, message.channel, addresses):
        return Verdict("cancel", "suppressed")
    if message.channel == WEBHOOK and webhook_suppressed(session, customer):
        return Verdict("cancel", "suppressed")
    problem = ledger_problem(session, message, customer, now)
    if problem is not None:
        return Verdict("cancel", problem)
    if policy.require_ai_consent and not ai_consented(session, customer, message.channel, draft):
        return Verdict("hold", ledger.NO_AI_CONSENT)
    if message.kind != "marketing":
        return Verdict("send")
    if draft is not None:
        stopped = campaign_verdict(session, draft, now)
        if stopped is not None:
            return stopped
        held = hold_reason(session, customer.id, draft.created_at)
        if held is not None:
            return Verdict("hold", held)
    zone = customer_zone(customer, policy)
    opens, closes = timing_window(draft, zone) if draft is not None else (None, None)
    moment = max(now, opens) if opens is not None else now
    probe = max(now, earliest) if earliest is not None else now
    moment = max(moment, probe)
    times = _cap_times(session, message, now, at_send)
    window = sending_window(customer, message.channel, policy)
    # Each rule only moves the moment later, over finitely many candidates: this settles.
    for _ in range(1000):
        capped = next_under_caps(times, message.channel, moment, policy)
        allowed = window.next_allowed(capped)
        if allowed is None:
            return Verdict("hold", "no_sending_window")
        if allowed == moment:
            break
        moment = allowed
    if closes is not None and moment >= closes:
        return Verdict("hold", "playbook_window_passed")
    if moment <= now:
        return Verdict("send")
    blocked = window.blocks(probe)
    reason = blocked[0].reason if blocked else "contact_cap"
    same_channel = times.get(message.channel, [])
    if (
        reason == "contact_cap"
        and next_under_cap(same_channel, probe, policy.frequency_cap, policy.frequency_window)
        > probe
    ):
        reason = "frequency_cap"
    if reason == "contact_cap" and moment == probe > now:
        reason = "send_time"
    if opens is not None and now < opens:
        reason = "playbook_timing"
    return Verdict("defer", reason, until=moment)
