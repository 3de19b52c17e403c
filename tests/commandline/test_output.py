"""Values in tables and receipts read as text, never as JSON or Python reprs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from assistant.commandline.output import cell, receipt_lines


def test_cells_are_plain_text() -> None:
    assert cell(None) == ""
    assert cell(Decimal("1234.5")) == "1,234.50"
    assert cell(True) == "yes"
    assert cell(date(2026, 9, 10)) == "2026-09-10"
    assert cell(datetime(2026, 9, 10, 14, 5, tzinfo=UTC)) == "2026-09-10 14:05"
    assert cell(["a", "b"]) == "a, b"
    assert cell({"r_score": 5, "nested": {"aov": 10}, "empty": None}) == "r score 5, nested: aov 10"


def test_receipt_lines_name_each_fact_without_json() -> None:
    facts = {
        "schema": 1,
        "playbook": "re_engagement",
        "channel": "email",
        "customer": {"first_name": "Chloe"},
        "offer": None,
        "return": {"product": "Merino Sweater", "returned_on": "2026-04-06", "reason": "fit"},
    }
    lines = receipt_lines(facts)
    assert lines == [
        "customer: first name Chloe",
        "return: product Merino Sweater, returned on 2026-04-06, reason fit",
    ]
    assert not any("{" in line or '"' in line for line in lines)
