"""Consent, cooldown, an open conversation and the caps hold a trigger's draft back, and
`explain` says which (and what would fire)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from assistant.db import unit_of_work
from assistant.models import Conversation, Customer, Message
from assistant.triggers import service
from tests.delivery.factories import add_draft
from tests.triggers.helpers import NOW, config, context, ids, queued, run, step


def _explain(engine: Engine, external_id: str) -> dict[str, service.Explanation]:
    with unit_of_work(engine) as session:
        found = service.explain(session, config(), ids(engine)[external_id], context())
    return {e.trigger: e for e in found}


def test_no_consent_is_skipped_and_explained(store: Engine) -> None:
    report = run(store, only="purchase")
    assert step(report, "purchase").skipped == {"no_consent": 1}
    purchase = _explain(store, "C02")["purchase"]
    assert (purchase.would_fire, purchase.reason) == (False, "no_consent")
    assert purchase.detail == "no sms consent: order:O02-1 waits"


def test_what_would_fire_and_what_has_no_occasion(store: Engine) -> None:
    explained = _explain(store, "C15")
    assert explained["purchase"].would_fire
    assert explained["purchase"].detail == "would fire for order:O15-2"
    relaunch = explained["product_relaunched"]
    assert (relaunch.would_fire, relaunch.reason) == (False, "no_occasion")
    assert relaunch.detail.startswith("no product returned for fit, quality, sizing")


def test_already_fired_names_the_day_and_occasion(store: Engine) -> None:
    run(store, only="purchase")
    purchase = _explain(store, "C15")["purchase"]
    assert purchase.reason == "already_fired"
    assert purchase.detail == "already fired on 2026-11-20 for order:O15-2"
    assert purchase.fired[0]["occasion"] == "order:O15-2"


def test_cooldown_holds_the_draft_and_says_until_when(store: Engine) -> None:
    with unit_of_work(store) as session:
        customer = session.get(Customer, ids(store)["C24"])
        assert customer is not None
        add_draft(
            session,
            customer,
            playbook="check_in",
            state="sent",
            created_at=NOW - timedelta(days=3),
        )
    report = run(store, only="purchase")
    assert step(report, "purchase").skipped == {"cooldown": 1, "no_consent": 1}
    assert queued(store, "purchase") == {"C15"}
    purchase = _explain(store, "C24")["purchase"]
    assert purchase.reason == "cooldown"
    assert purchase.detail == "cooldown until 2026-12-01: order:O24-11 waits"


def test_an_open_conversation_holds_automatic_drafts(store: Engine) -> None:
    with unit_of_work(store) as session:
        session.add(
            Conversation(
                customer_id=ids(store)["C15"],
                channel="sms",
                status="open",
                last_inbound_at=NOW - timedelta(days=1),
            )
        )
    report = run(store, only="purchase")
    assert step(report, "purchase").skipped == {"no_consent": 1, "open_conversation": 1}
    assert _explain(store, "C15")["purchase"].reason == "open_conversation"


def test_a_full_cap_holds_the_draft(store: Engine) -> None:
    with unit_of_work(store) as session:
        session.add(
            Message(
                customer_id=ids(store)["C24"],
                direction="outbound",
                channel="sms",
                kind="marketing",
                status="sent",
                body="An earlier message",
                sent_at=NOW - timedelta(days=2),
            )
        )
    report = run(store, only="purchase")
    assert step(report, "purchase").skipped == {"cap": 1, "no_consent": 1}
    assert _explain(store, "C24")["purchase"].reason == "cap"
