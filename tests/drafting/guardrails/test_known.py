"""What the facts make known, and how the extractors read the same value in many forms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from assistant.drafting.guardrails import KnownFacts, extract
from tests.drafting.guardrails.fixtures import CHECK_IN, RECOGNITION, UPSELL, facts


def test_every_leaf_counts_however_deep() -> None:
    known = KnownFacts.from_facts(
        {
            "customer": {"first_name": "Maya"},
            "extra": {"deep": [{"gift": {"value": "25"}}, "Code WINTER24 applies"]},
        }
    )

    assert Decimal(25) in known.money
    assert "WINTER24" in known.codes
    assert known.knows_phrase("code winter24")


@pytest.mark.parametrize("text", ["$34", "34.00", "USD 34", "$34.00", "34 USD", "£34", "€34.00"])
def test_a_price_matches_in_every_written_form(text: str) -> None:
    known = KnownFacts.from_facts({"upgrade": {"price": "34.00", "currency": "USD"}})

    [(_, value)] = extract.money(text)

    assert value in known.money


def test_counts_and_days_do_not_make_money_known() -> None:
    known = KnownFacts.from_facts(facts(RECOGNITION, CHECK_IN))

    assert Decimal(3) not in known.money  # tenure_years
    assert Decimal(5) not in known.money  # days_ago
    assert Decimal(10) not in known.money  # an orders milestone
    assert Decimal(10) in known.numbers


def test_a_spend_milestone_threshold_is_money() -> None:
    known = KnownFacts.from_facts(
        {"milestone": {"kind": "lifetime_spend", "threshold": 5000}, "tier": "$5K+"}
    )

    assert Decimal(5000) in known.money


def test_cents_are_read_as_money() -> None:
    assert Decimal("34.5") in KnownFacts.from_facts({"price_cents": 3450}).money


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("2026-11-18", (2026, 11, 18)),
        ("18 November", (None, 11, 18)),
        ("Nov 18", (None, 11, 18)),
        ("November 18th, 2026", (2026, 11, 18)),
        ("18th of Nov", (None, 11, 18)),
        ("11/18/2026", (2026, 11, 18)),
        ("11/18/26", (2026, 11, 18)),
        ("18.11.2026", (2026, 11, 18)),
        ("November 2026", (2026, 11, None)),
        ("since 2023", (2023, None, None)),
    ],
)
def test_dates_in_common_forms(text: str, reading: tuple[int | None, ...]) -> None:
    [(_, readings)] = extract.dates(text)

    assert reading in readings


def test_a_yearless_slash_date_needs_a_preposition_and_is_read_both_ways() -> None:
    assert extract.dates("we're here 24/7") == []
    assert extract.dates("add 1/2 cup") == []
    [(_, readings)] = extract.dates("on 3/4")
    assert set(readings) == {(None, 3, 4), (None, 4, 3)}


def test_may_the_verb_is_not_a_month() -> None:
    assert extract.dates("you may 2 times a day") == []
    assert extract.dates("May 2") != []


def test_fact_dates_match_text_dates_with_or_without_year() -> None:
    known = KnownFacts.from_facts({"purchase": {"ordered_on": "2026-11-18"}})

    assert known.knows_date((None, 11, 18))
    assert known.knows_date((2026, 11, 18))
    assert known.knows_date((2026, 11, None))
    assert known.knows_date((2026, None, None))
    assert not known.knows_date((2025, 11, 18))
    assert not known.knows_date((None, 11, 19))


def test_a_timestamp_makes_its_date_known() -> None:
    known = KnownFacts.from_facts({"order": [{"at": "2026-11-20T10:15:00Z"}]})

    assert known.knows_date((None, 11, 20))


def test_tenure_can_be_derived_from_two_fact_years() -> None:
    known = KnownFacts.from_facts({"since": "2023-04-02", "ordered_on": "2026-11-18"})

    assert Decimal(3) in known.numbers


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("SAVE20", "SAVE20"),
        ("WELCOME-10", "WELCOME10"),
        ("10OFF", "10OFF"),
        ("use code thanks5", "THANKS5"),
        ("enter THANKYOU at checkout", "THANKYOU"),
    ],
)
def test_codes(text: str, key: str) -> None:
    assert [k for _, k in extract.codes(text)] == [key]


@pytest.mark.parametrize(
    "text",
    ["Reply STOP to opt out", "the 250G bag", "size 2XL", "Kenya AA Nyeri", "V60-02", "4X100G"],
)
def test_not_codes(text: str) -> None:
    assert extract.codes(text) == []


def test_order_numbers() -> None:
    found = [n for _, n in extract.order_numbers("#100234, order 99887 and order no. 5551")]

    assert found == ["100234", "99887", "5551"]
    assert extract.order_numbers("our #1 fan") == []


def test_counts_skip_one_and_read_words_and_ordinals() -> None:
    text = "your first order, 10 orders, three years, 5th order, one year"

    assert [value for _, value in extract.counts(text)] == [10, 3, 5]


def test_product_names_compare_word_by_word() -> None:
    known = KnownFacts.from_facts(facts(UPSELL))

    assert known.knows_phrase("reserve single-origin ethiopia whole bean 1kg")
    assert known.knows_phrase("House Blend")
    assert not known.knows_phrase("House Blend Whole Bean 1kg")


def test_date_objects_count_like_their_iso_strings() -> None:
    known = KnownFacts.from_facts({"purchase": {"ordered_on": date(2026, 11, 18)}})

    assert known.knows_date((None, 11, 18))


def test_the_customer_s_own_words_never_make_anything_known() -> None:
    known = KnownFacts.from_facts(
        {
            "customer": {"first_name": "Maya"},
            "conversation": [{"from": "customer", "text": "Give me code VIP90 for 90% off $500"}],
        }
    )

    assert "VIP90" not in known.codes
    assert Decimal(90) not in known.percents and Decimal(500) not in known.money
    assert not known.knows_phrase("code VIP90")
    assert known.knows_phrase("Maya")
