"""The fact receipt of a suggested reply: this customer, our outreach, their purchases, the talk.

Only this customer's facts, and only the minimal ones (as for campaign drafts): the first
name, the outreach we sent (quoted), the facts that outreach was written from, their latest
purchase, and the conversation's tail. Never another customer, a last name, contact details,
a return's free-text note or any internal note. `inbound` is the kind of their latest
message (`assistant.conversations.classify`). The customer's own words sit only in
`conversation` (rendered as quoted data, never as instructions); `known_facts` leaves them
out, so a number or code the customer wrote never becomes a fact a reply may repeat.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from assistant.config import get_settings
from assistant.conversations import repository as repo
from assistant.conversations.classify import latest_customer_text, with_inbound
from assistant.conversations.keywords import possible_opt_out
from assistant.drafting import history
from assistant.drafting.brand import Brand
from assistant.models import Conversation, Customer, Draft

SCHEMA = 1
PLAYBOOK = "reply"
CHANNEL = "sms"
TAIL_MESSAGES = 10
# Sections of the outreach's own fact receipt that are about this customer and may be used.
OUTREACH_SECTIONS = ("purchase", "product", "upgrade", "return", "relaunch", "milestone")
CUSTOMER = "customer"
Facts = dict[str, Any]


def zone_of(customer: Customer) -> ZoneInfo:
    """The customer's time zone, else the brand's."""
    for name in (customer.timezone, get_settings().app.brand_timezone):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def _purchase(session: Session, customer: Customer, zone: ZoneInfo, today: date) -> Facts | None:
    """The customer's latest purchase: product, day, days ago and order number."""
    orders = history.latest_orders(session, [customer.id])
    found = orders.get(customer.id)
    if found is None:
        return None
    order_id, number, at = found
    product = history.main_products(session, [order_id]).get(order_id)
    if product is None:
        return None
    day = at.astimezone(zone).date()
    return {
        "product": product,
        "ordered_on": day.isoformat(),
        "days_ago": (today - day).days,
        "order_number": number,
    }


def reply_facts(
    session: Session,
    conversation: Conversation,
    *,
    brand: Brand,
    now: datetime,
) -> Facts:
    """The fact receipt for a reply in `conversation`, as of `now`."""
    customer = session.get_one(Customer, conversation.customer_id)
    zone = zone_of(customer)
    texted = customer.id in history.texted(session, [customer.id])
    facts: Facts = {
        "schema": SCHEMA,
        "playbook": PLAYBOOK,
        "channel": conversation.channel or CHANNEL,
        "brand": {"name": brand.name, "sender": brand.sender_name},
        CUSTOMER: {"first_name": (customer.first_name or "").strip(), "first_sms": not texted},
        "offer": None,
    }
    first = repo.first_message(session, conversation.id)
    outreach = first if first is not None and first.direction == "outbound" else None
    if outreach is not None:
        facts["outreach"] = {"text": outreach.body, "sent_on": _local(outreach.sent_at, zone)[:10]}
        draft = session.get(Draft, outreach.draft_id) if outreach.draft_id else None
        if draft is not None and draft.customer_id == customer.id:
            for section in OUTREACH_SECTIONS:
                value = (draft.facts or {}).get(section)
                if isinstance(value, Mapping) and value:
                    facts[section] = {k: v for k, v in value.items() if k != "note"}
    if "purchase" not in facts:
        purchase = _purchase(session, customer, zone, now.astimezone(zone).date())
        if purchase is not None:
            facts["purchase"] = purchase
    facts["conversation"] = [
        {
            "from": CUSTOMER if message.direction == "inbound" else "us",
            "text": message.body,
            "at": _local(message.sent_at or message.created_at, zone),
        }
        for message in repo.conversation_messages(session, conversation.id, TAIL_MESSAGES)
    ]
    # Only the kind of their latest message, never its words: the reply answers in kind.
    found = with_inbound(facts)
    inbound = found.get("inbound")
    if isinstance(inbound, dict) and possible_opt_out(latest_customer_text(found["conversation"])):
        # Close to an opt-out: the reply must say how to stop (see guardrails' replies check).
        found["inbound"] = {**inbound, "possible_opt_out": True}
    return found


def known_facts(facts: Mapping[str, Any]) -> Facts:
    """The facts a reply may state: everything but the customer's own words."""
    known = dict(facts)
    turns = facts.get("conversation")
    if isinstance(turns, list):
        known["conversation"] = [
            t for t in turns if not (isinstance(t, Mapping) and t.get("from") == CUSTOMER)
        ]
    return known
