"""`assistant customers show|export|forget`: JSON out, one-line errors, a confirmed erase."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from assistant.db import unit_of_work
from assistant.models import Customer, DraftState
from tests.clitools import invoke
from tests.delivery.factories import add_customer, add_draft
from tests.delivery.helpers import draft_state


def _customer(engine: Engine) -> tuple[Customer, int]:
    with unit_of_work(engine) as session:
        person = add_customer(session, first_name="Odile", phone="+15551230000")
        draft = add_draft(session, person, state=DraftState.PENDING_REVIEW, body="Hi Odile!")
        return person, draft.id


def _json(*args: str) -> Any:
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_show_is_short_with_masked_addresses(engine: Engine) -> None:
    person, _ = _customer(engine)
    document = _json("customers", "show", person.external_id)
    assert (document["customer_id"], document["first_name"]) == (person.external_id, "Odile")
    assert (document["drafts"], document["orders"], document["metrics"]) == (1, 0, None)
    assert document["consent"]["sms"]["destination"] == "+1555•••0000"
    assert "+15551230000" not in json.dumps(document) and person.email not in json.dumps(document)


def test_export_to_stdout_or_a_file(engine: Engine, tmp_path: Path) -> None:
    person, draft_id = _customer(engine)
    document = _json("customers", "export", person.external_id)
    assert document["addresses"]["phone"] == "+15551230000"
    assert [(d["id"], d["body"]) for d in document["drafts"]] == [(draft_id, "Hi Odile!")]
    target = tmp_path / "odile.json"
    written = invoke("customers", "export", person.external_id, "--output", str(target))
    assert written.exit_code == 0 and f"wrote {target}" in written.output
    assert json.loads(target.read_text())["customer"] == document["customer"]


def test_forget_needs_yes_without_a_terminal_and_is_idempotent(engine: Engine) -> None:
    person, draft_id = _customer(engine)
    refused = invoke("customers", "forget", person.external_id)
    assert refused.exit_code == 2 and refused.output.count("\n") == 1
    assert "cannot be undone; add --yes" in refused.output
    assert draft_state(engine, draft_id) == DraftState.PENDING_REVIEW

    done = invoke("customers", "forget", person.external_id, "--yes")
    assert done.exit_code == 0, done.output
    assert "forgotten; 1 draft(s) and 0 message(s) erased" in done.output
    assert "1 draft(s) cancelled" in done.output
    assert draft_state(engine, draft_id) == DraftState.CANCELLED
    assert _json("customers", "show", person.external_id)["first_name"] is None

    again = invoke("customers", "forget", person.external_id, "--yes")
    assert again.exit_code == 0 and "already forgotten; nothing to do" in again.output


def test_unknown_customers_are_one_line_errors(engine: Engine) -> None:
    for command in ("show", "export", "forget"):
        args = ["customers", command, "nobody"] + (["--yes"] if command == "forget" else [])
        result = invoke(*args)
        assert result.exit_code == 2, result.output
        assert result.output.count("\n") == 1 and "error: no customer 'nobody'" in result.output
