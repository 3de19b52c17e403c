"""A campaign with a draft in every interesting state, on the test clock."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select

from assistant.db import unit_of_work
from assistant.delivery.policy import DeliveryPolicy
from assistant.delivery.schedule import schedule_approved
from assistant.models import Campaign, CampaignMember, Draft, DraftState, Message
from tests.delivery.factories import Clock, add_customer, add_draft, policy
from tests.delivery.helpers import outbox_transports, schedule, send


@dataclass(frozen=True)
class World:
    """Drafts by what became of them, the messages made, and the delivery setup."""

    campaign_id: int
    pending_review: int
    needs_attention: int
    approved: int  # approved, not scheduled yet
    scheduled: int  # its message waits to be sent
    sent: int  # its message went out
    scheduled_message: int
    sent_message: int
    clock: Clock
    rules: DeliveryPolicy
    outbox: Path


def build(engine: Engine, outbox: Path) -> World:
    """Five customers, one draft each in another state, one member not drafted yet."""
    clock, rules = Clock(), policy()
    with unit_of_work(engine) as session:
        campaign = Campaign(
            name="spring upsell", playbook="upsell", segment="upgrade", channel="sms"
        )
        session.add(campaign)
        session.flush()
        ids = {}
        for state in ("pending_review", "needs_attention", "approved", "scheduled", "sent"):
            customer = add_customer(session)
            initial = DraftState.APPROVED if state in ("scheduled", "sent") else state
            ids[state] = add_draft(session, customer, state=initial, campaign_id=campaign.id).id
            session.add(
                CampaignMember(campaign_id=campaign.id, customer_id=customer.id, status="drafted")
            )
        waiting = add_customer(session)
        session.add(CampaignMember(campaign_id=campaign.id, customer_id=waiting.id))
        campaign_id = campaign.id
    sent_message = schedule(engine, ids["sent"], clock, rules)
    assert send(engine, outbox_transports(outbox), clock, rules) == {"sent": 1}
    scheduled_message = schedule(engine, ids["scheduled"], clock, rules)
    assert sent_message is not None and scheduled_message is not None
    return World(
        campaign_id,
        ids["pending_review"],
        ids["needs_attention"],
        ids["approved"],
        ids["scheduled"],
        ids["sent"],
        scheduled_message,
        sent_message,
        clock,
        rules,
        outbox,
    )


def tick(engine: Engine, world: World) -> dict[str, int]:
    """What the worker's tick does: schedule approved drafts, then send what is due."""
    with unit_of_work(engine) as session:
        schedule_approved(session, now=world.clock(), policy=world.rules)
    return dict(send(engine, outbox_transports(world.outbox), world.clock, world.rules))


def message_states(engine: Engine, campaign_id: int) -> dict[int, tuple[str, str | None]]:
    """message id -> (state, error code) of the campaign's messages."""
    with unit_of_work(engine) as session:
        rows = session.execute(
            select(Message.id, Message.status, Message.error_code)
            .join(Draft, Draft.id == Message.draft_id)
            .where(Draft.campaign_id == campaign_id)
        ).all()
    return {mid: (status, code) for mid, status, code in rows}
