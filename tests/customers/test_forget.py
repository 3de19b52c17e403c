"""Export holds every kind of record; forget erases the person everywhere and keeps the rest."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from assistant.customers.export import export_customer
from assistant.customers.service import forget_customer
from assistant.db import unit_of_work
from assistant.drafting.brand import load_brand
from assistant.drafting.context import FactsBuilder
from assistant.drafting.eligibility import Eligibility
from assistant.fingerprints import fingerprint
from assistant.models import (
    AuditEntry,
    ConsentEvent,
    Customer,
    CustomerMetrics,
    DraftState,
    Message,
    Order,
    Suppression,
)
from assistant.models.base import utcnow
from assistant.playbooks import PLAYBOOKS
from tests.clitools import invoke
from tests.customers.helpers import (
    EARLY,
    FIRST,
    INBOUND,
    NOTE,
    PHONE,
    Person,
    seed,
    text_hits,
)
from tests.delivery.factories import Clock, add_customer, add_draft, policy
from tests.delivery.helpers import draft_state, message, schedule


def export(engine: Engine, external_id: str) -> dict[str, Any]:
    with unit_of_work(engine) as session:
        return export_customer(session, external_id, now=utcnow())


def forget(engine: Engine, external_id: str) -> Any:
    with unit_of_work(engine) as session:
        return forget_customer(session, external_id, actor="terminal:test", now=utcnow())


def test_export_holds_every_kind_of_record(engine: Engine, web: TestClient) -> None:
    person = seed(engine, web)
    document = export(engine, person.external_id)
    assert document["customer"]["first_name"] == FIRST
    assert document["addresses"] == {"email": "zenobia.q@example.org", "phone": PHONE}
    assert document["customer"]["attributes"] == {"stylist_note": "Zenobia likes copper"}
    assert len(document["orders"]) == 2 and all(o["items"] for o in document["orders"])
    assert [r["note"] for r in document["returns"]] == [NOTE]
    assert [e["kind"] for e in document["events"]] == ["viewed_product"]
    assert document["metrics"]["orders_count"] == 2 and document["order_stats"] is not None
    bodies = {m["direction"]: m for m in document["messages"] if m["kind"] != "system"}
    assert bodies["inbound"]["body"] == INBOUND
    queued = next(m for m in document["messages"] if m["id"] == person.queued_message_id)
    assert [h["to_state"] for h in queued["history"]] == ["scheduled"]
    states = {d["playbook"]: d["state"] for d in document["drafts"]}
    assert states["check_in"] == "sent" and "reply" in states  # the suggested answer
    reply = next(d for d in document["drafts"] if d["playbook"] == "reply")
    assert reply["facts"] and reply["history"]
    [conversation] = document["conversations"]
    assert bodies["inbound"]["id"] in conversation["message_ids"]
    assert [(e["channel"], e["consented"], e["source"]) for e in document["consent_events"]] == [
        ("sms", False, "sms_keyword")
    ]
    assert [(s["address"], s["reason"]) for s in document["suppressions"]] == [
        (PHONE, "sms_keyword")
    ]
    assert {a["entity_type"] for a in document["audit"]} == {"draft"}
    assert [u["body"] for u in document["unmatched_inbound"]] == [EARLY]


def _aggregates(engine: Engine, person: Person) -> tuple[Any, ...]:
    with unit_of_work(engine) as session:
        orders = session.execute(
            select(func.count(), func.sum(Order.total)).where(
                Order.customer_id == person.customer_id
            )
        ).one()
        metrics = session.get_one(CustomerMetrics, person.customer_id)
        ledger = session.execute(
            select(ConsentEvent.channel, ConsentEvent.consented, ConsentEvent.source)
            .where(ConsentEvent.customer_id == person.customer_id)
            .order_by(ConsentEvent.id)
        ).all()
        statuses = session.execute(
            select(Message.status, Message.sent_at)
            .where(Message.customer_id == person.customer_id)
            .order_by(Message.id)
        ).all()
        return tuple(orders), metrics.orders_count, ledger, len(statuses)


def test_forget_erases_the_person_everywhere_and_keeps_aggregates_and_proof(
    engine: Engine, web: TestClient, tmp_path: Path
) -> None:
    person = seed(engine, web)
    assert text_hits(engine, person.needles)  # the scan finds them before
    before = _aggregates(engine, person)

    result = forget(engine, person.external_id)
    assert result.forgotten and result.cancelled_messages == [person.queued_message_id]

    assert text_hits(engine, person.needles) == []
    assert _aggregates(engine, person) == before
    assert before[0] == (2, Decimal("80.00"))
    queued = message(engine, person.queued_message_id)
    assert (queued.status, queued.error_code) == ("cancelled", "forgotten")
    assert draft_state(engine, person.queued_draft_id) == DraftState.CANCELLED
    with unit_of_work(engine) as session:
        customer = session.get_one(Customer, person.customer_id)
        assert customer.external_id == person.external_id and customer.forgotten_at is not None
        assert (customer.sms_consent, customer.sms_consent_source) == (False, "sms_keyword")
        [kept] = session.execute(select(Suppression)).scalars()
        assert (kept.address, kept.reason) == (fingerprint(PHONE), "sms_keyword")
        entries = session.execute(
            select(AuditEntry).where(AuditEntry.entity_type == "customer")
        ).scalars()
        [entry] = list(entries)
        assert (entry.action, entry.actor) == ("privacy.forgotten", "terminal:test")
        audit_rows = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()

    again = forget(engine, person.external_id)
    assert not again.forgotten and again.cancelled_messages == []
    with unit_of_work(engine) as session:
        assert session.execute(select(func.count()).select_from(AuditEntry)).scalar_one() == (
            audit_rows
        )

    # Their number, imported again under another id with consent, is still never texted.
    with unit_of_work(engine) as session:
        newcomer = add_customer(session, phone=PHONE, first_name="Ola")
        draft_id = add_draft(session, newcomer).id
    assert schedule(engine, draft_id, Clock(), policy()) is not None
    assert draft_state(engine, draft_id) == DraftState.CANCELLED
    with unit_of_work(engine) as session:
        stopped = session.execute(select(Message).where(Message.draft_id == draft_id)).scalar_one()
        assert (stopped.status, stopped.error_code) == ("cancelled", "suppressed")

    # A re-import of the forgotten id does not bring their name back.
    folder = tmp_path / "store"
    folder.mkdir()
    (folder / "customers.csv").write_text(
        "customer_id,first_name,email,phone\n"
        f"{person.external_id},{FIRST},zenobia.q@example.org,{PHONE}\n"
        "zen-2,Ira,ira@example.org,\n"
    )
    imported = invoke("import", str(folder))
    assert imported.exit_code == 0, imported.output
    assert "skipped 1 row(s) of forgotten customer(s)" in imported.output
    with unit_of_work(engine) as session:
        customer = session.get_one(Customer, person.customer_id)
        assert (customer.first_name, customer.email, customer.phone) == (None, None, None)
        assert (
            session.execute(
                select(Customer.first_name).where(Customer.external_id == "zen-2")
            ).scalar_one()
            == "Ira"
        )


def test_an_opt_out_without_a_suppression_becomes_one_so_it_outlives_the_address(
    engine: Engine,
) -> None:
    with unit_of_work(engine) as session:
        gone = add_customer(
            session,
            external_id="asked-1",
            phone="+14155550111",
            email="asked@example.org",
            sms_consent=False,
            sms_consent_source="customer_request",  # told staff; no suppression row
        )
    forget(engine, "asked-1")
    with unit_of_work(engine) as session:
        rows = session.execute(select(Suppression.channel, Suppression.address)).all()
        assert [tuple(r) for r in rows] == [("sms", fingerprint("+14155550111"))]
        assert session.get_one(Customer, gone.id).phone is None
        newcomer = add_customer(session, phone="+14155550111")
        sms, email = (
            add_draft(session, newcomer).id,
            add_draft(session, newcomer, channel="email").id,
        )
    with unit_of_work(engine) as session:  # drafting skips the number too
        builder = FactsBuilder(
            playbook=PLAYBOOKS["recognition"],
            channel="sms",
            as_of=date(2026, 3, 10),
            brand=load_brand(),
        )
        decision = Eligibility(builder, campaign_id=None, now=utcnow()).check(
            session, [(newcomer.id, {})]
        )
        assert decision.skipped == {newcomer.id: "suppressed"}
    assert schedule(engine, sms, Clock(), policy()) is not None
    assert draft_state(engine, sms) == DraftState.CANCELLED  # suppressed by the fingerprint
    assert schedule(engine, email, Clock(), policy()) is not None
    assert draft_state(engine, email) == DraftState.SCHEDULED  # email consent was never withdrawn
