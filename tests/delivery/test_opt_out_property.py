"""Property: once a customer opts out of a channel, nothing more reaches them on it, whatever
the order of approvals, opt-outs, scheduling, sending and time passing."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from assistant.db import unit_of_work
from assistant.delivery import consent
from assistant.delivery.sender import Sender
from assistant.delivery.state import move_draft
from assistant.delivery.tasks import schedule_pending
from assistant.models import Customer, DraftState, Message
from tests.delivery.factories import Clock, add_customer, add_draft, policy
from tests.delivery.helpers import outbox_lines, outbox_transports

CHANNELS = ("sms", "sms", "email", "email")


@st.composite
def scripts(draw: st.DrawFn) -> list[tuple[str, Any]]:
    """Every kind of event at least once (an opt-out or consent loss on one or both
    channels), extra ones at random, in any order."""
    steps: list[tuple[str, Any]] = [("approve", index) for index in range(len(CHANNELS))]
    steps += [("schedule", None), ("send", None), ("send", None)]
    for channel in draw(st.sampled_from([["sms"], ["email"], ["sms", "email"]])):
        # `consent_off`: consent switched off without the cascade (an import, a staff edit).
        steps.append((draw(st.sampled_from(["opt_out", "consent_off"])), channel))
    steps += draw(
        st.lists(
            st.one_of(
                st.tuples(st.just("schedule"), st.none()),
                st.tuples(st.just("send"), st.none()),
                st.tuples(st.just("wait_hours"), st.integers(1, 24 * 8)),
            ),
            max_size=6,
        )
    )
    return draw(st.permutations(steps))


def _delivered(directory: Path, keys: set[str], channel: str) -> int:
    return sum(1 for line in outbox_lines(directory, channel) if line["idempotency_key"] in keys)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=scripts())
def test_an_opted_out_customer_never_receives_anything(
    engine: Engine, tmp_path: Path, script: list[tuple[str, Any]]
) -> None:
    clock, rules = Clock(), policy()
    directory = tmp_path / uuid.uuid4().hex
    transports = outbox_transports(directory)
    with unit_of_work(engine) as session:
        customer = add_customer(session)
        drafts = [
            add_draft(session, customer, channel=channel, state=DraftState.PENDING_REVIEW)
            for channel in CHANNELS
        ]
    keys = {
        channel: {f"draft:{d.id}" for d in drafts if d.channel == channel} for channel in CHANNELS
    }
    # Deliveries on a channel when it was opted out; None while consent stands.
    at_opt_out: dict[str, int | None] = {"sms": None, "email": None}

    def step(kind: str, arg: Any) -> None:
        if kind == "approve":
            with unit_of_work(engine) as session:
                move_draft(
                    session,
                    drafts[arg].id,
                    DraftState.APPROVED,
                    (DraftState.PENDING_REVIEW,),
                    action="review.approve",
                    actor="terminal:test",
                )
        elif kind in ("opt_out", "consent_off"):
            if at_opt_out[arg] is None:
                at_opt_out[arg] = _delivered(directory, keys[arg], arg)
            with unit_of_work(engine) as session:
                if kind == "opt_out":
                    consent.opt_out(session, customer.id, arg, source="sms_keyword", now=clock())
                else:
                    row = session.get_one(Customer, customer.id)
                    setattr(row, f"{arg}_consent", False)
        elif kind == "schedule":
            schedule_pending(engine, rules, clock=clock)
        elif kind == "send":
            Sender(engine, transports, rules, clock=clock).run()
        else:
            clock.advance(timedelta(hours=arg))

    for kind, arg in script:
        step(kind, arg)
    # Then everything still possible happens: every draft approved, and a worker that ticks
    # at each moment a message comes due, until nothing is left.
    for index in range(len(drafts)):
        step("approve", index)
    step("schedule", None)
    for _ in range(20):
        with unit_of_work(engine) as session:
            due = session.scalar(
                select(func.min(Message.scheduled_for)).where(
                    Message.customer_id == customer.id,
                    Message.status.in_(("scheduled", "sending")),
                )
            )
        if due is None:
            break
        clock.now = max(clock.now, due)
        step("send", None)
    for channel, before in at_opt_out.items():
        if before is not None:
            assert _delivered(directory, keys[channel], channel) == before
        else:  # and the property is not vacuous: the other channel got everything
            assert _delivered(directory, keys[channel], channel) == len(keys[channel])
