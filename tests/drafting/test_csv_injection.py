"""CSV exports never hand a spreadsheet a formula: text cells starting = + - @ (or a tab or
CR) get a leading apostrophe; numbers, negative ones too, stay numbers."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from assistant.db import unit_of_work
from assistant.metrics.export import write_export
from assistant.models import Customer, CustomerMetrics, Draft
from assistant.values import spreadsheet_safe
from tests.campaigns.helpers import build
from tests.clitools import invoke
from tests.metrics_rows import add_metrics

FORMULAS = ['=HYPERLINK("http://x")', "@SUM(1)", "+1+cmd|' /C calc'!A0", "-2+3", "\tTAB", "\rCR"]


@pytest.mark.parametrize("value", FORMULAS)
def test_text_that_starts_a_formula_is_made_text(value: str) -> None:
    assert spreadsheet_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["-5.00", "+3", "-0.5", "1e-3", "Maya", "", "a=b", 42, None])
def test_numbers_and_plain_text_are_unchanged(value: object) -> None:
    assert spreadsheet_safe(value) == value


def test_the_drafts_export_neutralises_a_hostile_body(engine: Engine, tmp_path: Path) -> None:
    world = build(engine, tmp_path / "outbox")
    with unit_of_work(engine) as session:
        draft = session.get_one(Draft, world.pending_review)
        draft.body = "@SUM(1)"
        draft.subject = '=HYPERLINK("http://x")'
    out = tmp_path / "drafts.csv"
    assert invoke("drafts", "export", "--format", "csv", "--out", str(out)).exit_code == 0
    rows = {int(r["id"]): r for r in csv.DictReader(io.StringIO(out.read_text("utf-8")))}
    row = rows[world.pending_review]
    assert (row["body"], row["subject"]) == ("'@SUM(1)", '\'=HYPERLINK("http://x")')


def test_the_metrics_export_neutralises_ids_and_keeps_negative_money(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        customer = Customer(external_id='=HYPERLINK("http://x")', first_name="@SUM(1)")
        session.add(customer)
        session.flush()
        add_metrics(
            session,
            customer.id,
            as_of=date(2026, 11, 30),
            orders_count=1,
            lifetime_spend=Decimal("-5.00"),
            rfm_label="-lapsed",
            btyd_T=1.0,
        )
    buffer = io.StringIO()
    with unit_of_work(engine) as session:
        assert session.execute(select(CustomerMetrics)).scalars().first() is not None
        write_export(session, buffer, "csv")
    [row] = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert row["customer_id"] == '\'=HYPERLINK("http://x")'
    assert row["lifetime_spend"] == "-5.00"
    assert row["rfm_label"] == "'-lapsed"
