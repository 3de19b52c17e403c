"""The consent ledger: per destination, with evidence; sends re-check the exact address."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from assistant.config import get_settings
from assistant.consent import service as consent_service
from assistant.consent.schemas import ConsentUpdate
from assistant.conversations.inbound import InboundSms, receive
from assistant.db import unit_of_work
from assistant.drafting.brand import load_brand
from assistant.ingest.records import ingest_records
from assistant.models import ConsentEvent, Customer, DraftState, Message
from assistant.review import service as review_service
from assistant.review.actors import Actor
from assistant.review.views import draft_view
from tests.clitools import invoke
from tests.delivery.factories import Clock, add_customer, add_draft, policy
from tests.delivery.helpers import message, outbox_lines, outbox_transports, schedule, send

# New York numbers: the customers imported without a zone are read in their number's.
OLD = "+12125550101"
NEW = "+12125550199"
ANA = Actor("slack:U0ANA", "Ana")
STAFF = Actor("terminal:sam", "Sam")


def _ledger(engine: Engine, **where: Any) -> list[ConsentEvent]:
    with unit_of_work(engine) as session:
        statement = select(ConsentEvent).filter_by(**where).order_by(ConsentEvent.id)
        return list(session.scalars(statement))


def _import(engine: Engine, *records: dict[str, object], evidence: Any = None) -> None:
    with unit_of_work(engine) as session:
        report = ingest_records(
            session, "customers", list(records), consent_source="api", consent_evidence=evidence
        )
        assert report.rejected == 0, report.errors


def _text(engine: Engine, sid: str, phone: str, body: str, clock: Clock) -> None:
    with unit_of_work(engine) as session:
        receive(
            session,
            InboundSms(sid, phone, "+15005550006", body),
            now=clock(),
            brand=load_brand(),
            mode="app",
        )


def _customer_id(engine: Engine, external_id: str) -> int:
    with unit_of_work(engine) as session:
        return session.execute(
            select(Customer.id).where(Customer.external_id == external_id)
        ).scalar_one()


def _approved_draft(engine: Engine, customer_id: int, **fields: Any) -> int:
    """A draft approved the way reviewers approve (the audit log names them)."""
    with unit_of_work(engine) as session:
        customer = session.get_one(Customer, customer_id)
        draft_id = add_draft(session, customer, state=DraftState.PENDING_REVIEW, **fields).id
    with unit_of_work(engine) as session:
        outcome = review_service.decide(session, draft_id, action="approve", actor=ANA)
        assert outcome.state == DraftState.APPROVED
    return draft_id


def test_an_import_grant_is_recorded_for_the_address_with_its_evidence(engine: Engine) -> None:
    _import(
        engine,
        {"customer_id": "L1", "phone": OLD, "email": "Lea@Example.com", "sms_consent": True},
        evidence={"request": "r-1"},
    )
    [grant] = _ledger(engine)
    assert (grant.channel, grant.destination, grant.consented, grant.source) == (
        "sms",
        OLD,
        True,
        "api",
    )
    assert grant.purpose == "messages"
    # `row`: the record's index in the batch (a CSV file's evidence has its line number).
    assert grant.evidence == {"import": "api", "request": "r-1", "row": 0}

    # The same data again records nothing; a new number with consent records a grant for it.
    _import(engine, {"customer_id": "L1", "phone": OLD, "sms_consent": True})
    assert len(_ledger(engine)) == 1
    _import(engine, {"customer_id": "L1", "phone": NEW, "sms_consent": True})
    assert [e.destination for e in _ledger(engine)] == [OLD, NEW]


def test_keywords_record_the_keyword_and_the_inbound_sid(engine: Engine) -> None:
    clock = Clock()
    with unit_of_work(engine) as session:
        person = add_customer(session, phone=OLD)
    _text(engine, "SM-stop-1", OLD, "STOP", clock)
    _text(engine, "SM-start-1", OLD, "START", clock.advance(timedelta(minutes=5)))
    _text(engine, "SM-free-1", OLD, "please stop texting me", clock.advance(timedelta(minutes=5)))

    events = _ledger(engine, customer_id=person.id)
    assert [(e.source, e.consented, e.wording) for e in events] == [
        ("sms_keyword", False, "STOP"),
        ("sms_keyword", True, "START"),
        ("customer_request", False, "free-text request"),
    ]
    assert [e.evidence for e in events] == [
        {"inbound_message_sid": "SM-stop-1"},
        {"inbound_message_sid": "SM-start-1"},
        {"inbound_message_sid": "SM-free-1"},
    ]
    assert {e.destination for e in events} == {OLD}
    # The free text itself stays in the inbound message, never in the ledger.
    assert all("texting" not in (e.wording or "") for e in events)


def test_staff_changes_record_wording_evidence_and_actor(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        person = add_customer(session, email="Maya@Example.com")
    update_ = ConsentUpdate(
        channel="email",
        granted=False,
        source="paper_form",
        wording="Please stop emailing me",
        evidence="paper form 2026-12-01 #114",
    )
    with unit_of_work(engine) as session:
        consent_service.set_consent(session, person.external_id, update_, STAFF, now=Clock()())
    [event] = _ledger(engine, customer_id=person.id)
    assert (event.destination, event.actor, event.wording) == (
        "maya@example.com",
        "terminal:sam",
        "Please stop emailing me",
    )
    assert event.evidence == {"reference": "paper form 2026-12-01 #114"}


def test_show_prints_destination_ai_consent_and_history_masked(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        person = add_customer(session, phone=OLD)
    result = invoke(
        "consent", "set", person.external_id, "--channel", "sms", "--granted", "--ai",
        "--source", "web_form", "--wording", "I agree to AI-assisted texts",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "AI-message consent on SMS granted" in result.output

    shown = invoke("consent", "show", person.external_id)
    assert shown.exit_code == 0, shown.output
    document = json.loads(shown.stdout)
    sms = document["channels"]["sms"]
    assert (sms["granted"], sms["destination"], sms["ai_consent"]) == (True, "+1212•••0101", True)
    assert document["channels"]["email"]["ai_consent"] is False
    [entry] = document["history"]
    assert entry["purpose"] == "ai_drafted"
    assert entry["destination"] == "+1212•••0101"
    assert entry["wording"] == "I agree to AI-assisted texts"
    assert entry["actor"].startswith("terminal:")
    assert OLD not in shown.stdout


def test_a_changed_number_has_no_consent_until_it_is_granted(
    engine: Engine, tmp_path: Path
) -> None:
    _import(engine, {"customer_id": "L1", "phone": OLD, "sms_consent": True})
    person = _customer_id(engine, "L1")
    # The number changes without any consent for the new one (a staff edit, a CRM sync).
    with unit_of_work(engine) as session:
        session.execute(update(Customer).where(Customer.id == person).values(phone=NEW))
    clock, rules = Clock(), policy()
    draft_id = _approved_draft(engine, person)
    message_id = schedule(engine, draft_id, clock, rules)
    assert message_id is None or message(engine, message_id).status == "cancelled"
    with unit_of_work(engine) as session:
        stopped = session.execute(select(Message).where(Message.draft_id == draft_id)).scalar()
        assert stopped is not None and stopped.error_code == "no_consent_for_address"

    # The import says the new number consented: now it goes out, to the new number.
    _import(engine, {"customer_id": "L1", "phone": NEW, "sms_consent": True})
    second = _approved_draft(engine, person)
    assert schedule(engine, second, clock, rules) is not None
    assert send(engine, outbox_transports(tmp_path), clock, rules)["sent"] == 1
    assert [line["to"] for line in outbox_lines(tmp_path)] == [NEW]


def test_a_grant_is_checked_again_at_send_time(engine: Engine, tmp_path: Path) -> None:
    _import(engine, {"customer_id": "L1", "phone": OLD, "sms_consent": True})
    person = _customer_id(engine, "L1")
    clock, rules = Clock(), policy()
    message_id = schedule(engine, _approved_draft(engine, person), clock, rules)
    assert message_id is not None
    with unit_of_work(engine) as session:
        session.execute(update(Customer).where(Customer.id == person).values(phone=NEW))

    assert send(engine, outbox_transports(tmp_path), clock, rules)["cancelled"] == 1
    stopped = message(engine, message_id)
    assert (stopped.status, stopped.error_code) == ("cancelled", "no_consent_for_address")


def test_ai_consent_is_required_only_when_the_setting_is_on(engine: Engine, tmp_path: Path) -> None:
    _import(engine, {"customer_id": "L1", "phone": OLD, "sms_consent": True})
    person = _customer_id(engine, "L1")
    clock = Clock()
    required = policy(require_ai_consent=True)

    held = schedule(engine, _approved_draft(engine, person), clock, required)
    assert held is None or message(engine, held).error_code == "no_ai_consent"
    with unit_of_work(engine) as session:
        stopped = session.execute(select(Message).order_by(Message.id.desc())).scalars().first()
        assert stopped is not None
        assert (stopped.status, stopped.error_code) == ("cancelled", "no_ai_consent")

    # Off (the default): the same kind of draft goes out.
    off = schedule(engine, _approved_draft(engine, person), clock, policy())
    assert off is not None
    assert send(engine, outbox_transports(tmp_path), clock, policy())["sent"] == 1

    # The column of customers.csv (or the API) records AI consent for the address: sent.
    _import(engine, {"customer_id": "L1", "ai_consent": True})
    [ai] = _ledger(engine, purpose="ai_drafted")
    assert (ai.channel, ai.destination, ai.consented) == ("sms", OLD, True)
    later = Clock(clock.now + timedelta(days=8))
    allowed = schedule(engine, _approved_draft(engine, person), later, required)
    assert allowed is not None
    assert send(engine, outbox_transports(tmp_path), later, required)["sent"] == 1


def test_export_pack_for_a_phone(engine: Engine, tmp_path: Path) -> None:
    _import(engine, {"customer_id": "L1", "phone": OLD, "sms_consent": True})
    person = _customer_id(engine, "L1")
    # Later than the import (which records at the real time): a Tuesday, 11:00 in New York.
    clock, rules = Clock(datetime(2030, 3, 12, 15, 0, tzinfo=UTC)), policy()
    draft_id = _approved_draft(engine, person)
    assert schedule(engine, draft_id, clock, rules) is not None
    assert send(engine, outbox_transports(tmp_path), clock, rules)["sent"] == 1
    _text(engine, "SM-stop-9", OLD, "STOP", clock.advance(timedelta(hours=1)))

    out = tmp_path / "pack.json"
    result = invoke("consent", "export", "--phone", "(212) 555-0101", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert OLD not in result.output and "+1212•••0101" in result.output
    pack = json.loads(out.read_text())

    assert pack["destination"] == {"channel": "sms", "address": OLD}
    assert pack["current"]["consented"] is False
    changes = pack["consent_changes"]
    assert [(c["granted"], c["source"], c["customer_id"]) for c in changes] == [
        (True, "api", "L1"),
        (False, "sms_keyword", "L1"),
    ]
    assert changes[0]["evidence"]["row"] == 0
    assert changes[1]["wording"] == "STOP"
    marketing = [m for m in pack["messages"] if m["kind"] == "marketing"]
    [sent] = marketing
    assert sent["draft_id"] == draft_id and sent["ai_drafted"] is True
    assert sent["approved"]["by"] == "slack:U0ANA"
    assert sent["approved"]["action"] == "draft.approved"
    assert sent["sent_at"] is not None and sent["body"].startswith("Hi Maya")
    [opt_out] = pack["opt_outs"]
    assert opt_out["evidence"] == {"inbound_message_sid": "SM-stop-9"}
    assert "unsubscribed" in opt_out["confirmation"]["text"]
    assert pack["suppressions"][0]["reason"] == "sms_keyword"

    printed = invoke("consent", "export", "--phone", OLD)
    assert printed.exit_code == 0 and json.loads(printed.stdout)["destination"]["address"] == OLD


def test_export_needs_exactly_one_valid_destination(engine: Engine) -> None:
    for arguments in (
        (),
        ("--phone", OLD, "--email", "a@example.com"),
        ("--phone", "12"),
        ("--email", "not-an-email"),
    ):
        result = invoke("consent", "export", *arguments)
        assert result.exit_code == 2, arguments
        assert result.output.count("\n") == 1 and "Traceback" not in result.output


def test_with_the_setting_on_the_card_and_show_say_ai_consent_is_missing(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_REQUIRE_AI_CONSENT", "true")
    get_settings.cache_clear()
    _import(engine, {"customer_id": "L1", "phone": OLD, "sms_consent": True})
    person = _customer_id(engine, "L1")
    with unit_of_work(engine) as session:
        customer = session.get_one(Customer, person)
        draft_id = add_draft(session, customer, state=DraftState.PENDING_REVIEW).id
    with unit_of_work(engine) as session:
        view = draft_view(session, draft_id)
        assert view is not None
        [warning] = [f for f in view.findings if f.code == "no_ai_consent"]
        assert warning.severity == "warn" and "held, not sent" in warning.message
    document = json.loads(invoke("consent", "show", "L1").stdout)
    assert document["ai_consent_required"] is True
    assert document["channels"]["sms"]["ledger_problem"] == "no_ai_consent"

    monkeypatch.setenv("ASSISTANT_REQUIRE_AI_CONSENT", "false")
    get_settings.cache_clear()
    with unit_of_work(engine) as session:
        view = draft_view(session, draft_id)
        assert view is not None and not [f for f in view.findings if f.code == "no_ai_consent"]
    document = json.loads(invoke("consent", "show", "L1").stdout)
    assert document["channels"]["sms"]["ledger_problem"] is None
