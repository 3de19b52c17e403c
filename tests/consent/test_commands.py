"""`assistant consent show|set`: consent and its evidence, changed with the terminal actor."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from assistant.db import unit_of_work
from assistant.models import Customer, DraftState, Suppression
from tests.clitools import invoke
from tests.conversations.helpers import consent_events
from tests.delivery.factories import Clock, add_customer, add_draft, policy
from tests.delivery.helpers import (
    draft_state,
    message,
    outbox_lines,
    outbox_transports,
    schedule,
    send,
)

ME = f"terminal:{getpass.getuser()}"


def _customer(engine: Engine, **fields: Any) -> Customer:
    with unit_of_work(engine) as session:
        return add_customer(session, **fields)


def show(external_id: str) -> dict[str, Any]:
    result = invoke("consent", "show", external_id)
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_show_prints_consent_per_channel_with_masked_addresses(engine: Engine) -> None:
    person = _customer(engine, phone="+15551230000", email="maya@example.com")
    document = show(person.external_id)
    assert document["customer_id"] == person.external_id
    sms, email = document["channels"]["sms"], document["channels"]["email"]
    assert (sms["granted"], sms["source"], sms["destination"]) == (True, "import", "+1555•••0000")
    assert (email["granted"], email["destination"]) == (True, "m•••@example.com")
    assert sms["suppressed"] is False and document["history"] == []
    assert "+15551230000" not in json.dumps(document)

    unknown = invoke("consent", "show", "nobody")
    assert unknown.exit_code == 2
    assert unknown.output.count("\n") == 1 and "error: no customer 'nobody'" in unknown.output


def test_set_records_history_with_the_actor(engine: Engine) -> None:
    person = _customer(engine)
    revoke = ["consent", "set", person.external_id, "--channel", "email", "--revoked"]
    result = invoke(*revoke, "--source", "support_call")
    assert result.exit_code == 0, result.output
    assert "email consent revoked by" in result.output
    result = invoke(*revoke, "--source", "support_call")
    assert result.exit_code == 0 and "already revoked" in result.output  # nothing recorded twice
    grant = ["consent", "set", person.external_id, "--channel", "email", "--granted"]
    assert invoke(*grant, "--source", "paper_form").exit_code == 0

    document = show(person.external_id)
    assert document["channels"]["email"]["granted"] is True
    assert document["channels"]["email"]["source"] == "paper_form"
    assert document["channels"]["sms"]["granted"] is True  # the other channel is untouched
    history = [
        {k: event[k] for k in ("channel", "granted", "source", "actor")}
        for event in document["history"]
    ]
    assert history == [
        {"channel": "email", "granted": False, "source": "support_call", "actor": ME},
        {"channel": "email", "granted": True, "source": "paper_form", "actor": ME},
    ]
    assert all(event["at"].endswith("Z") for event in document["history"])


def test_bad_arguments_are_one_line_and_change_nothing(engine: Engine) -> None:
    person = _customer(engine)
    base = ["consent", "set", person.external_id, "--channel", "sms"]
    for args, words in (
        ([*base, "--source", "paper_form"], "say --granted or --revoked"),
        ([*base, "--revoked", "--source", "Told us on the phone!"], "is not a source"),
        ([*base, "--revoked", "--source", "sms_keyword"], "recorded only by the system"),
        (
            ["consent", "set", "nobody", "--channel", "sms", "--revoked", "--source", "x"],
            "no customer",
        ),
    ):
        result = invoke(*args)
        assert result.exit_code == 2, (args, result.output)
        assert words in result.output and result.output.count("\n") == 1
    assert consent_events(engine, person.id) == []


def test_revoking_cancels_a_scheduled_message_so_the_sender_never_sends_it(
    engine: Engine, tmp_path: Path
) -> None:
    clock, rules = Clock(), policy()
    with unit_of_work(engine) as session:
        maya = add_customer(session)
        leo = add_customer(session, first_name="Leo")
        drafts = [add_draft(session, maya).id, add_draft(session, leo).id]
    scheduled = [schedule(engine, draft_id, clock, rules) for draft_id in drafts]
    assert all(scheduled)

    result = invoke(
        "consent",
        "set",
        maya.external_id,
        "--channel",
        "sms",
        "--revoked",
        "--source",
        "customer_request",
    )
    assert result.exit_code == 0, result.output
    assert "1 queued message(s) cancelled" in result.output
    assert message(engine, scheduled[0] or 0).status == "cancelled"
    assert message(engine, scheduled[0] or 0).error_code == "opted_out"
    assert draft_state(engine, drafts[0]) == DraftState.CANCELLED

    transports = outbox_transports(tmp_path)
    assert send(engine, transports, clock, rules) == {"sent": 1}  # Leo's only
    assert [line["idempotency_key"] for line in outbox_lines(tmp_path)] == [f"draft:{drafts[1]}"]
    [event] = consent_events(engine, maya.id)
    assert (event.consented, event.source, event.actor) == (False, "customer_request", ME)


def test_a_grant_never_silently_overrides_the_customers_own_stop(engine: Engine) -> None:
    person = _customer(engine, sms_consent=False, sms_consent_source="sms_keyword")
    assert person.phone is not None
    with unit_of_work(engine) as session:
        session.add(Suppression(channel="sms", address=person.phone, reason="sms_keyword"))
    grant = ["consent", "set", person.external_id, "--channel", "sms", "--granted"]

    refused = invoke(*grant, "--source", "paper_form")
    assert refused.exit_code == 2 and refused.output.count("\n") == 1
    assert "withdrew SMS consent themself (sms_keyword" in refused.output
    assert "--force" in refused.output
    assert show(person.external_id)["channels"]["sms"]["granted"] is False
    assert consent_events(engine, person.id) == []

    forced = invoke(*grant, "--source", "paper_form", "--force")
    assert forced.exit_code == 0, forced.output
    assert "no longer suppressed" in forced.output
    sms = show(person.external_id)["channels"]["sms"]
    assert (sms["granted"], sms["source"], sms["suppressed"]) == (True, "paper_form", False)
    [event] = consent_events(engine, person.id)
    assert event.actor == ME and event.detail is not None and "sms_keyword" in event.detail
