"""Invented facts: amounts, percentages, codes, dates, order numbers, counts and links.

The worst failure of a drafter is a confident claim the facts do not back: a price, a
discount code, a date. Anything of these kinds in the draft must agree with some fact
value (see known.py for the forms that agree).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from assistant.drafting.guardrails import extract
from assistant.drafting.guardrails.checks.base import Draft, Part
from assistant.drafting.guardrails.findings import Finding, finding
from assistant.drafting.guardrails.text import Span, excerpt, inside

_WHOLE = Decimal(100)
_OFF = re.compile(r"\s*(?i:off|discount|cash\s?back)\b")


def _show(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _part(part: Part, draft: Draft) -> Iterator[Finding]:
    known = draft.known
    text = part.folded
    facts = part.fact_spans
    where = part.where
    taken: list[Span] = []

    def cut(span: Span) -> str:
        return excerpt(part.text, span)

    for span, value in extract.money(text):
        taken.append(span)
        if value not in known.money and not inside(span, facts):
            yield finding(
                "invented_price",
                f"the amount {cut(span)}{where} is not in the facts; quote only prices the "
                "facts give",
                cut(span),
            )
    for span, value in extract.percents(text):
        taken.append(span)
        if value == _WHOLE and not _OFF.match(text, span[1]):
            continue  # "100% cotton", "I'm 100% sure": not a number anyone checks
        if value not in known.percents and not inside(span, facts):
            yield finding(
                "invented_percent",
                f"{_show(value)}%{where} is not in the facts",
                cut(span),
            )
    for span, number in extract.order_numbers(text):
        taken.append(span)
        if number not in known.order_numbers and not inside(span, facts):
            yield finding(
                "invented_order_number",
                f"the order number {number}{where} is not in the facts",
                cut(span),
            )
    for span, key in extract.codes(text):
        if key not in known.codes and not inside(span, facts):
            yield finding(
                "invented_code",
                f"{cut(span)}{where} looks like a discount code and is not in the facts; "
                "mention only the offer's own code",
                cut(span),
            )
    for span, readings in extract.dates(text, taken=taken):
        taken.append(span)
        if not any(known.knows_date(r) for r in readings) and not inside(span, facts):
            yield finding(
                "invented_date",
                f'the date "{cut(span)}"{where} matches no date in the facts',
                cut(span),
            )
    for span, count in extract.counts(text):
        if Decimal(count) not in known.numbers and not inside(span, facts):
            yield finding(
                "invented_count",
                f'"{cut(span)}"{where}: {count} is not a number the facts give',
                cut(span),
            )
    for span, key in extract.links(text):
        if not known.knows_link(key):
            yield finding(
                "invented_link",
                f"the link {cut(span)}{where} is not in the facts or the brand's texts",
                cut(span),
            )


def check(draft: Draft) -> Iterator[Finding]:
    """invented_price, _percent, _order_number, _code, _date, _count and _link."""
    for part in draft.parts:
        yield from _part(part, draft)
