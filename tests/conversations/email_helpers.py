"""Email conversations' shared rows: a sent outreach email and a customer's raw reply."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from assistant.db import unit_of_work
from assistant.models import DraftState, Message
from connectors.email.smtp import message_id_local_part
from tests.delivery.factories import add_customer, add_draft

CHANNEL = "C0REVIEW"
DOMAIN = "emberandoak.example"
OUTREACH = "Hi Maya, how is the Cast Iron Skillet treating you? Just reply. - Sam"


def seed_email_outreach(engine: Engine, *, card_ts: str | None = None) -> dict[str, Any]:
    """A customer and the check-in email we sent them yesterday (its Message-ID known)."""
    now = datetime.now(UTC)
    with unit_of_work(engine) as session:
        person = add_customer(session, email="maya@example.net")
        draft = add_draft(
            session,
            person,
            channel="email",
            playbook="check_in",
            state=DraftState.SENT,
            body=OUTREACH,
            created_at=now - timedelta(days=2),
        )
        if card_ts is not None:
            draft.slack_channel, draft.slack_ts = CHANNEL, card_ts
        local = message_id_local_part(f"draft:{draft.id}")
        session.add(
            Message(
                idempotency_key=f"draft:{draft.id}",
                provider_message_id=local,
                customer_id=person.id,
                draft_id=draft.id,
                direction="outbound",
                channel="email",
                kind="marketing",
                status="sent",
                to_address=person.email,
                subject="How is the skillet?",
                body=OUTREACH,
                sent_at=now - timedelta(days=1),
                attempts=1,
            )
        )
        return {"customer": person.id, "draft": draft.id, "message_id": f"<{local}@{DOMAIN}>"}


def raw_email(
    body: str,
    *,
    message_id: str = "<CAF=reply-1@mail.example.net>",
    in_reply_to: str | None = None,
    sender: str = "Maya <Maya@Example.net>",
) -> bytes:
    lines = [
        f"From: {sender}",
        f"To: Ember & Oak <care@{DOMAIN}>",
        "Subject: Re: How is the skillet?",
        f"Message-ID: {message_id}",
        "Date: Mon, 07 Dec 2026 10:00:00 +0000",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
    ]
    if in_reply_to:
        lines += [f"In-Reply-To: {in_reply_to}", f"References: {in_reply_to}"]
    return ("\r\n".join(lines) + "\r\n\r\n" + body.replace("\n", "\r\n")).encode()
