"""The sender: delivers due messages exactly once, through the SmsSender/EmailSender ports.

Each message goes through short transactions around the provider call (docs/delivery.md
has the whole argument):

1. claim: lock the next due message no other sender holds (`FOR UPDATE SKIP LOCKED`, in id
   order) and its customer (without waiting), re-check every rule, then `scheduled →
   sending`, attempts + 1, `scheduled_for` = now + lease — committed before the provider call;
2. call the provider;
3. record: the provider's id and `sent`, only if the claim still holds (status, attempts and
   lease unchanged).

A message found in `sending` after its lease expired may or may not have reached the
provider (the process died, or the call timed out after the request went out): it is
reconciled with `find_sent` before anything else, and sent again only when the provider says
it does not have it. Errors: retryable → back to `scheduled` with exponential backoff;
uncertain → stays `sending` for reconciliation; opted out → consent off and cancelled; bad
address → failed with the reason. The webhook channel cannot be asked (`find_sent` is None):
reconciling it sends again with the same idempotency key, which its receiver dedups on.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Engine, select, update
from sqlalchemy.orm import Session, object_session

from assistant.consent.ledger import Proof
from assistant.db import unit_of_work
from assistant.delivery import consent
from assistant.delivery.email_threading import in_reply_to
from assistant.delivery.policy import DeliveryPolicy
from assistant.delivery.rate import NoLimit, RateGate
from assistant.delivery.rules import address_of, evaluate
from assistant.delivery.state import cancel_message, follow_message, lock_customer
from assistant.delivery.status import PROVIDER_STATUSES, advance
from assistant.drafting.sms_segments import analyse
from assistant.models import Campaign, Conversation, Customer, Draft, Message
from assistant.models.base import utcnow
from assistant.models.campaign import CampaignStatus
from assistant.observability.metrics import SENDS
from assistant.ports import (
    EmailMessage,
    EmailSender,
    SendError,
    SendResult,
    SmsSender,
    WebhookMessage,
    WebhookSender,
)

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Transports:
    """The adapters the sender calls, one per channel (`webhook`: None when unconfigured)."""

    sms: SmsSender
    email: EmailSender
    webhook: WebhookSender | None = None


@dataclass(frozen=True)
class Claim:
    """A message this sender holds until `lease_until`, and what to do with it."""

    message_id: int
    attempt: int
    lease_until: datetime
    reconcile: bool
    channel: str
    to: str
    subject: str | None
    body: str
    key: str
    customer_id: int
    since: datetime
    message_created_at: datetime | None = None
    playbook: str | None = None
    campaign_id: int | None = None
    in_reply_to: str | None = None  # an email reply's customer Message-ID


def due_conditions(now: datetime) -> list[ColumnElement[bool]]:
    """Outbound messages due now: scheduled ones, and claims whose lease expired.

    Scheduled messages of a paused campaign are left where they are (held, not re-deferred
    every tick); the claim checks the campaign again (`rules.campaign_verdict`)."""
    paused = (
        select(Draft.id)
        .join(Campaign, Campaign.id == Draft.campaign_id)
        .where(Draft.id == Message.draft_id, Campaign.status == CampaignStatus.PAUSED.value)
        .exists()
    )
    return [
        Message.direction == "outbound",
        Message.status.in_(("scheduled", "sending")),
        Message.scheduled_for <= now,
        ~(paused & (Message.status == "scheduled")),
    ]


def due_ids(session: Session, *, now: datetime, limit: int) -> list[int]:
    """The ids of up to `limit` due messages, in id order (a hint: claims check again)."""
    rows = session.execute(
        select(Message.id).where(*due_conditions(now)).order_by(Message.id).limit(limit)
    ).scalars()
    return list(rows)


class Sender:
    """Sends due messages; safe to run in several processes at once and to kill at any point."""

    def __init__(
        self,
        engine: Engine,
        transports: Transports,
        policy: DeliveryPolicy,
        *,
        clock: Clock = utcnow,
        rate: RateGate | None = None,
    ) -> None:
        self.engine = engine
        self.transports = transports
        self.policy = policy
        self.clock = clock
        # Waited on before each SMS with its segment count (ASSISTANT_SMS_RATE).
        self.rate = rate or NoLimit()

    def run(self, limit: int | None = None) -> Counter[str]:
        """Handle due messages (up to `limit`, default the batch size), oldest id first;
        outcome counts. Several senders share the work: each claims the next due message
        no other sender is claiming (`SKIP LOCKED`), and never waits for a lock to claim."""
        with unit_of_work(self.engine) as session:
            # Candidates by the (status, scheduled_for) index; each claim checks again.
            among = due_ids(session, now=self.clock(), limit=limit or self.policy.batch)
        outcomes: Counter[str] = Counter()
        after = 0
        while among:
            message_id, claim, outcome = self._claim_next(after, among)
            if message_id is None:
                break
            after = message_id
            outcomes[self._carry_out(claim, outcome)] += 1
        return outcomes

    def process(self, message_id: int) -> str:
        """Claim, (reconcile,) send and record one message; the outcome's name."""
        claim, outcome = self._claim(message_id)
        return self._carry_out(claim, outcome)

    def _carry_out(self, claim: Claim | None, outcome: str) -> str:
        if claim is None:
            return outcome
        channel = claim.channel
        if claim.reconcile:
            claim, outcome = self._reconcile(claim)
            if claim is None:
                SENDS.labels(channel, outcome).inc()
                return outcome
        outcome = self._send(claim)
        SENDS.labels(channel, outcome).inc()
        return outcome

    def _claim_next(self, after: int, among: list[int]) -> tuple[int | None, Claim | None, str]:
        """Claim the first message of `among` after id `after` that is still due and that no
        other sender holds: (its id, the claim or None, the outcome); (None, None, "") when
        none is left."""
        with unit_of_work(self.engine) as session:
            now = self.clock()
            message = session.execute(
                select(Message)
                .where(*due_conditions(now), Message.id.in_(among), Message.id > after)
                .order_by(Message.id)
                .limit(1)
                .with_for_update(of=Message, skip_locked=True)
                .execution_options(populate_existing=True)
            ).scalar_one_or_none()
            if message is None:
                return None, None, ""
            claim, outcome = self._claim_locked(session, message, now)
            return message.id, claim, outcome

    def _claim(self, message_id: int) -> tuple[Claim | None, str]:
        with unit_of_work(self.engine) as session:
            now = self.clock()
            message = session.execute(
                select(Message)
                .where(Message.id == message_id)
                .with_for_update(skip_locked=True)
                .execution_options(populate_existing=True)
            ).scalar_one_or_none()
            if message is None:
                return None, "skipped"  # unknown, or another sender holds it right now
            return self._claim_locked(session, message, now)

    def _claim_locked(
        self, session: Session, message: Message, now: datetime
    ) -> tuple[Claim | None, str]:
        """The claim of a message locked by this transaction. Its customer is locked too
        (as opt-outs lock it) but without waiting: a claim holding a message row must never
        wait for a lock, or it could close a cycle with an opt-out (customer, then messages)."""
        due = message.scheduled_for is not None and message.scheduled_for <= now
        if message.direction != "outbound" or not due:
            return None, "skipped"
        if message.status not in ("scheduled", "sending"):
            return None, "skipped"
        customer = lock_customer(session, message.customer_id, wait=False)
        if customer is None:
            return None, "busy"  # an opt-out or a sibling's claim: next round
        if message.status == "sending":
            # The lease expired: the last attempt's outcome is unknown. Ask first.
            message.scheduled_for = now + self.policy.lease
            session.flush()
            return self._claim_of(message, reconcile=True), "reconciling"
        return self._start_attempt(session, message, customer, now)

    def _start_attempt(
        self, session: Session, message: Message, customer: Customer, now: datetime
    ) -> tuple[Claim | None, str]:
        """Rules at send time, then `scheduled → sending` (the message must be `scheduled`)."""
        draft = session.get(Draft, message.draft_id) if message.draft_id is not None else None
        verdict = evaluate(
            session, message, customer, draft, now=now, policy=self.policy, at_send=True
        )
        if verdict.action in ("cancel", "hold"):
            reason = verdict.reason or verdict.action
            cancel_message(session, message, reason, now=now)
            log.info("delivery.%s message=%s reason=%s", verdict.action, message.id, reason)
            return None, "held" if verdict.action == "hold" else "cancelled"
        if verdict.action == "defer" and verdict.until is not None:
            message.scheduled_for = verdict.until
            message.error_code = verdict.reason
            return None, "deferred"
        if message.attempts >= self.policy.max_attempts:
            self._fail(session, message, "max_attempts", "gave up after retries", now)
            return None, "failed"
        message.status = "sending"
        message.attempts += 1
        message.first_attempt_at = message.first_attempt_at or now
        message.scheduled_for = now + self.policy.lease
        message.to_address = address_of(customer, message.channel)
        message.error_code = None
        message.error_message = None
        session.flush()
        return self._claim_of(message, reconcile=False), "claimed"

    def _claim_of(self, message: Message, *, reconcile: bool) -> Claim:
        assert message.scheduled_for is not None
        session = object_session(message)
        draft = (
            session.get(Draft, message.draft_id)
            if session is not None and message.draft_id is not None
            else None
        )
        return Claim(
            message_id=message.id,
            attempt=message.attempts,
            lease_until=message.scheduled_for,
            reconcile=reconcile,
            channel=message.channel,
            to=message.to_address or "",
            subject=message.subject,
            body=message.body,
            key=message.idempotency_key or f"message:{message.id}",
            customer_id=message.customer_id,
            since=message.first_attempt_at or message.created_at,
            message_created_at=message.created_at,
            playbook=draft.playbook if draft is not None else None,
            campaign_id=draft.campaign_id if draft is not None else None,
            in_reply_to=in_reply_to(session, message.conversation_id)
            if session is not None and message.channel == "email"
            else None,
        )

    def _holding(self, session: Session, claim: Claim) -> Message | None:
        """The message, locked, if this claim still holds it."""
        message = session.execute(
            select(Message)
            .where(
                Message.id == claim.message_id,
                Message.status == "sending",
                Message.attempts == claim.attempt,
                Message.scheduled_for == claim.lease_until,
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one_or_none()
        if message is None:
            log.warning("delivery.lease_lost message=%s", claim.message_id)
        return message

    def _email(self, claim: Claim) -> EmailMessage:
        return EmailMessage(
            to=claim.to,
            subject=claim.subject or "",
            text=claim.body,
            idempotency_key=claim.key,
            customer_id=claim.customer_id,
            in_reply_to=claim.in_reply_to,
        )

    def _webhook(self, claim: Claim) -> tuple[WebhookSender, WebhookMessage]:
        if self.transports.webhook is None:
            raise SendError(
                "not_configured",
                "the webhook channel needs ASSISTANT_WEBHOOK_URL and ASSISTANT_WEBHOOK_SECRET",
                retryable=True,
            )
        return self.transports.webhook, WebhookMessage(
            idempotency_key=claim.key,
            message_id=claim.message_id,
            external_id=claim.to,
            body=claim.body,
            subject=claim.subject,
            campaign_id=claim.campaign_id,
            playbook=claim.playbook,
            created_at=claim.message_created_at,
        )

    def _reconcile(self, claim: Claim) -> tuple[Claim | None, str]:
        try:
            if claim.channel == "sms":
                found = self.transports.sms.find_sent(
                    claim.to, claim.body, idempotency_key=claim.key, since=claim.since
                )
            elif claim.channel == "webhook":
                webhook, payload = self._webhook(claim)
                found = webhook.find_sent(payload, since=claim.since)
            else:
                found = self.transports.email.find_sent(self._email(claim), since=claim.since)
        except SendError as error:
            if error.retryable:
                return None, self._postpone(claim, error, keep_sending=True)
            # The provider cannot tell: never guess (a guess either loses or repeats it).
            return None, self._finish_failed(claim, "unverifiable", str(error))
        except Exception as exc:
            log.exception("delivery.reconcile_error message=%s", claim.message_id)
            unknown = SendError("error", type(exc).__name__, retryable=True, uncertain=True)
            return None, self._postpone(claim, unknown, keep_sending=True)
        if found is not None:
            log.info("delivery.reconciled message=%s found=yes", claim.message_id)
            return None, self._record(claim, found, outcome="reconciled")
        log.info("delivery.reconciled message=%s found=no", claim.message_id)
        with unit_of_work(self.engine) as session:
            now = self.clock()
            # Customer, then message: the order every waiting lock takes.
            customer = lock_customer(session, claim.customer_id)
            message = self._holding(session, claim) if customer is not None else None
            if customer is None or message is None:
                return None, "skipped"
            # Not sent: the message is back to scheduled and goes through the rules again.
            message.status = "scheduled"
            session.flush()
            return self._start_attempt(session, message, customer, now)

    def _send(self, claim: Claim) -> str:
        try:
            if claim.channel == "sms":
                self.rate.wait(analyse(claim.body).segments)
                result = self.transports.sms.send(
                    claim.to,
                    claim.body,
                    idempotency_key=claim.key,
                    status_callback=self.policy.status_callback_url,
                )
            elif claim.channel == "webhook":
                webhook, payload = self._webhook(claim)
                result = webhook.send(payload)
            else:
                result = self.transports.email.send(self._email(claim))
        except SendError as error:
            return self._on_error(claim, error)
        except Exception as exc:
            # Unmapped adapter failure: assume the provider may have the message.
            log.exception("delivery.send_error message=%s", claim.message_id)
            unknown = SendError("error", type(exc).__name__, retryable=True, uncertain=True)
            return self._on_error(claim, unknown)
        return self._record(claim, result, outcome="sent")

    def _record(self, claim: Claim, result: SendResult, *, outcome: str) -> str:
        with unit_of_work(self.engine) as session:
            now = self.clock()
            message = self._holding(session, claim)
            if message is None:
                return "skipped"
            values = {
                "status": "sent",
                "provider_message_id": result.provider_id,
                "sent_at": now,
                "error_code": None,
                "error_message": None,
                "updated_at": now,
            }
            session.execute(
                update(Message)
                .where(Message.id == message.id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            session.refresh(message)
            follow_message(session, message, data={"provider": self._provider(claim)}, now=now)
            word = result.status.strip().lower()
            if word in PROVIDER_STATUSES:
                advance(session, message, word, now=now)
            if message.conversation_id is not None:
                session.execute(
                    update(Conversation)
                    .where(Conversation.id == message.conversation_id)
                    .values(last_outbound_at=now)
                )
        log.info("delivery.%s message=%s", outcome, claim.message_id)
        return outcome

    def _provider(self, claim: Claim) -> str:
        if claim.channel == "webhook":
            return self.transports.webhook.name if self.transports.webhook else "webhook"
        transport = self.transports.sms if claim.channel == "sms" else self.transports.email
        return transport.name

    def _on_error(self, claim: Claim, error: SendError) -> str:
        log.info(
            "delivery.provider_error message=%s code=%s retryable=%s uncertain=%s",
            claim.message_id,
            error.code,
            error.retryable,
            error.uncertain,
        )
        if error.uncertain:
            return self._postpone(claim, error, keep_sending=True)
        if error.permanent_reason == "opted_out":
            return self._opted_out(claim, error)
        if error.permanent_reason == "bad_address" or not error.retryable:
            return self._finish_failed(claim, error.code, str(error))
        return self._postpone(claim, error, keep_sending=False)

    def _postpone(self, claim: Claim, error: SendError, *, keep_sending: bool) -> str:
        """Try again after a backoff: reconcile first (`keep_sending`) or just resend."""
        with unit_of_work(self.engine) as session:
            now = self.clock()
            message = self._holding(session, claim)
            if message is None:
                return "skipped"
            message.scheduled_for = now + self.policy.backoff(claim.attempt, error.retry_after)
            message.error_code = error.code
            message.error_message = str(error)
            if not keep_sending:
                message.status = "scheduled"
        return "reconciling" if keep_sending else "retrying"

    def _finish_failed(self, claim: Claim, code: str, reason: str) -> str:
        with unit_of_work(self.engine) as session:
            message = self._holding(session, claim)
            if message is None:
                return "skipped"
            self._fail(session, message, code, reason, self.clock())
        return "failed"

    def _fail(
        self, session: Session, message: Message, code: str, reason: str, now: datetime
    ) -> None:
        message.status = "failed"
        message.error_code = code
        message.error_message = reason
        session.flush()
        follow_message(session, message, data={"error_code": code}, now=now)
        log.info("delivery.failed message=%s code=%s", message.id, code)

    def _opted_out(self, claim: Claim, error: SendError) -> str:
        """The provider says the customer opted out: consent off, cancel all that is queued."""
        with unit_of_work(self.engine) as session:
            now = self.clock()
            lock_customer(session, claim.customer_id)  # first, as `consent.opt_out` does
            message = self._holding(session, claim)
            if message is None:
                return "skipped"
            message.status = "scheduled"  # so the opt-out cancels it with the others
            session.flush()
            consent.opt_out(
                session,
                claim.customer_id,
                claim.channel,
                source="provider",
                now=now,
                detail=f"provider error {error.code}",
                proof=Proof(
                    wording=f"provider error {error.code}",
                    evidence={"message_id": claim.message_id, "provider_error": error.code},
                ),
            )
            message.error_message = f"provider error {error.code}: {error}"
        return "cancelled"
