"""Conversations as staff read them at the terminal: the list, and one thread with its suggestion.

Known customers are shown by their external id and first name; senders no customer matches
(`unmatched_inbound`) by a masked number, one entry per number (id `u<first row id>`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Subquery, and_, case, func, not_, or_, select
from sqlalchemy.orm import Session

from assistant.conversations import repository as repo
from assistant.conversations.opt_outs import flag_of
from assistant.delivery.rules import is_suppressed, reply_consent_problem
from assistant.masking import mask_address
from assistant.models import Conversation, Customer, Draft, Message
from assistant.models.base import utcnow
from assistant.models.inbound import UnmatchedInbound
from assistant.review.views import DraftView, draft_view

UNKNOWN = "unknown sender"
UNMATCHED_PREFIX = "u"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ConversationRow:
    """One line of `assistant conversations list`."""

    ref: str  # the conversation's id, or u<id> for an unknown sender
    who: str
    channel: str
    last_at: datetime | None
    state: str
    suggestion_waiting: bool


@dataclass(frozen=True)
class ThreadLine:
    """One message of a thread: ours (outbound) or the customer's (inbound)."""

    id: int
    at: datetime | None
    direction: str
    kind: str
    state: str
    body: str
    note: str | None = None  # why a message did not go out (error code)
    draft_id: int | None = None  # the reply (suggested or staff) it was sent from
    flag: str | None = None  # possible_opt_out: close to an opt-out, for staff to read


@dataclass(frozen=True)
class ThreadView:
    """A thread in order, the suggested reply waiting (if any), and whether we may reply."""

    ref: str
    conversation_id: int | None
    who: str
    channel: str
    state: str
    lines: list[ThreadLine]
    suggestion: DraftView | None
    # Why a reply cannot go out now (opted out, suppressed, unknown sender); None: it can.
    blocked_reason: str | None


def who(external_id: str, first_name: str | None) -> str:
    """`C123 Maya`: the customer's own id and first name (nothing more personal)."""
    return f"{external_id} {first_name}" if first_name else external_id


def unknown_who(address: str) -> str:
    return f"{UNKNOWN} {mask_address(address)}"


def _last_message_at() -> Subquery:
    return (
        select(
            Message.conversation_id.label("conversation_id"),
            func.max(func.coalesce(Message.sent_at, Message.created_at)).label("last_at"),
        )
        .where(Message.conversation_id.is_not(None))
        .group_by(Message.conversation_id)
        .subquery()
    )


def conversation_rows(session: Session, *, open_only: bool, limit: int) -> list[ConversationRow]:
    """Conversations and unknown senders, the most recent first (at most `limit`)."""
    last = _last_message_at()
    waiting = (
        select(Draft.id)
        .where(
            Draft.conversation_id == Conversation.id,
            Draft.playbook == repo.REPLY_PLAYBOOK,
            Draft.state.in_(repo.OPEN_SUGGESTION_STATES),
        )
        .exists()
    )
    last_at = func.coalesce(last.c.last_at, Conversation.updated_at)
    query = (
        select(Conversation, Customer.external_id, Customer.first_name, last_at, waiting)
        .join(Customer, Customer.id == Conversation.customer_id)
        .outerjoin(last, last.c.conversation_id == Conversation.id)
        .order_by(last_at.desc(), Conversation.id.desc())
        .limit(limit)
    )
    if open_only:
        query = query.where(Conversation.status == "open")
    rows = [
        ConversationRow(
            str(conversation.id),
            who(external, first),
            conversation.channel,
            at,
            conversation.status,
            bool(pending),
        )
        for conversation, external, first, at, pending in session.execute(query).all()
    ]
    flagged = func.max(case((UnmatchedInbound.status == "flagged", 1), else_=0))
    unknown = (
        select(
            UnmatchedInbound.from_address,
            func.min(UnmatchedInbound.id),
            func.max(UnmatchedInbound.created_at),
            flagged,
        )
        .group_by(UnmatchedInbound.from_address)
        .order_by(func.max(UnmatchedInbound.created_at).desc())
        .limit(limit)
    )
    if open_only:
        unknown = unknown.having(flagged == 1)
    rows += [
        ConversationRow(
            f"{UNMATCHED_PREFIX}{first_id}",
            unknown_who(address),
            "sms",
            at,
            "flagged" if is_flagged else "resolved",
            False,
        )
        for address, first_id, at, is_flagged in session.execute(unknown).all()
    ]
    rows.sort(key=lambda row: row.last_at or EPOCH, reverse=True)
    return rows[:limit]


@dataclass(frozen=True)
class ConversationItem:
    """A conversation as the API lists it (unknown senders are not conversations)."""

    id: int
    customer_id: str
    first_name: str | None
    channel: str
    status: str
    last_inbound_at: datetime | None
    last_outbound_at: datetime | None
    needs_reply: bool
    suggestion_id: int | None  # the newest suggested reply waiting for a decision


@dataclass(frozen=True)
class ReplyDraft:
    """A reply of the conversation: suggested by the model or written by staff."""

    id: int
    source: str  # suggested | staff
    state: str
    version: int
    decided_by: str | None


def needs_reply() -> ColumnElement[bool]:
    """Open, and the customer wrote after our last message (or we never wrote)."""
    return and_(
        Conversation.status == "open",
        Conversation.last_inbound_at.is_not(None),
        or_(
            Conversation.last_outbound_at.is_(None),
            Conversation.last_inbound_at > Conversation.last_outbound_at,
        ),
    )


def waiting_suggestions(session: Session, conversation_ids: list[int]) -> dict[int, int]:
    """conversation id → its newest suggested reply waiting for a decision."""
    if not conversation_ids:
        return {}
    rows = session.execute(
        select(Draft.conversation_id, func.max(Draft.id))
        .where(
            Draft.conversation_id.in_(conversation_ids),
            Draft.playbook == repo.REPLY_PLAYBOOK,
            Draft.state.in_(repo.OPEN_SUGGESTION_STATES),
        )
        .group_by(Draft.conversation_id)
    ).all()
    return {cid: draft_id for cid, draft_id in rows if cid is not None}


def conversation_page(
    session: Session,
    *,
    status: str | None = None,
    needing_reply: bool | None = None,
    customer_pk: int | None = None,
    before: int | None = None,
    limit: int = 50,
) -> list[ConversationItem]:
    """Conversations, newest first (ids below `before` when given), filtered."""
    wants = needs_reply()
    query = (
        select(Conversation, Customer.external_id, Customer.first_name, wants)
        .join(Customer, Customer.id == Conversation.customer_id)
        .order_by(Conversation.id.desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(Conversation.status == status)
    if needing_reply is not None:
        query = query.where(wants if needing_reply else not_(wants))
    if customer_pk is not None:
        query = query.where(Conversation.customer_id == customer_pk)
    if before is not None:
        query = query.where(Conversation.id < before)
    rows = session.execute(query).all()
    waiting = waiting_suggestions(session, [row[0].id for row in rows])
    return [
        ConversationItem(
            c.id,
            external,
            first,
            c.channel,
            c.status,
            c.last_inbound_at,
            c.last_outbound_at,
            bool(pending),
            waiting.get(c.id),
        )
        for c, external, first, pending in rows
    ]


def reply_drafts(session: Session, conversation_id: int) -> list[ReplyDraft]:
    """Every reply of the conversation, suggested or staff-written, oldest first."""
    drafts = session.execute(
        select(Draft)
        .where(Draft.conversation_id == conversation_id, Draft.playbook == repo.REPLY_PLAYBOOK)
        .order_by(Draft.id)
    ).scalars()
    return [
        ReplyDraft(
            d.id,
            "staff" if d.model == "staff" else "suggested",
            d.state,
            d.version,
            d.decided_by,
        )
        for d in drafts
    ]


def parse_ref(ref: str) -> tuple[str, int] | None:
    """(`conversation` | `unmatched`, id) for `12` or `u5`; None when it is neither."""
    text = ref.strip().lower()
    kind = "conversation"
    if text.startswith(UNMATCHED_PREFIX):
        kind, text = "unmatched", text[len(UNMATCHED_PREFIX) :]
    return (kind, int(text)) if text.isdigit() else None


def open_suggestion(session: Session, conversation_id: int) -> DraftView | None:
    """The newest suggested reply of the conversation still waiting for a decision."""
    draft_id = session.execute(
        select(Draft.id)
        .where(
            Draft.conversation_id == conversation_id,
            Draft.playbook == repo.REPLY_PLAYBOOK,
            Draft.state.in_(repo.OPEN_SUGGESTION_STATES),
        )
        .order_by(Draft.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return draft_view(session, draft_id) if draft_id is not None else None


def reply_problem(session: Session, customer: Customer, channel: str) -> str | None:
    """Why a reply to `customer` cannot go out now, in words (the send-time rules' reasons)."""
    problem = reply_consent_problem(session, customer, channel, utcnow())
    if problem is None and is_suppressed(session, channel, [customer.phone]):
        problem = "suppressed"
    return problem.replace("_", " ") if problem else None


def thread_view(session: Session, ref: str) -> ThreadView | None:
    """The thread `ref` names (a conversation id or u<id>), or None when there is none."""
    parsed = parse_ref(ref)
    if parsed is None:
        return None
    kind, number = parsed
    if kind == "unmatched":
        return _unknown_thread(session, number)
    conversation = session.get(Conversation, number)
    if conversation is None:
        return None
    customer = session.get_one(Customer, conversation.customer_id)
    messages = session.execute(
        select(Message)
        .where(Message.conversation_id == conversation.id)
        .order_by(func.coalesce(Message.sent_at, Message.created_at), Message.id)
    ).scalars()
    lines = [
        ThreadLine(
            m.id,
            m.sent_at or m.created_at,
            m.direction,
            m.kind,
            m.status,
            m.body,
            m.error_code if m.status in ("cancelled", "failed", "undelivered") else None,
            m.draft_id,
            flag_of(m.direction, m.kind, m.body),
        )
        for m in messages
    ]
    return ThreadView(
        str(conversation.id),
        conversation.id,
        who(customer.external_id, customer.first_name),
        conversation.channel,
        conversation.status,
        lines,
        open_suggestion(session, conversation.id),
        reply_problem(session, customer, conversation.channel),
    )


def _unknown_thread(session: Session, unmatched_id: int) -> ThreadView | None:
    first = session.get(UnmatchedInbound, unmatched_id)
    if first is None:
        return None
    rows = session.execute(
        select(UnmatchedInbound)
        .where(UnmatchedInbound.from_address == first.from_address)
        .order_by(UnmatchedInbound.created_at, UnmatchedInbound.id)
    ).scalars()
    lines = []
    for row in rows:
        lines.append(
            ThreadLine(row.id, row.created_at, "inbound", row.intent, "received", row.body)
        )
        if row.reply_body:
            lines.append(
                ThreadLine(row.id, row.created_at, "outbound", "system", "sent", row.reply_body)
            )
    flagged = any(line.direction == "inbound" for line in lines) and first.status == "flagged"
    return ThreadView(
        f"{UNMATCHED_PREFIX}{unmatched_id}",
        None,
        unknown_who(first.from_address),
        first.channel,
        "flagged" if flagged else first.status,
        lines,
        None,
        "no customer has this number; import the customer to reply",
    )
