"""The shipped window tables: well-formed, dated, sourced, and the area codes right."""

from __future__ import annotations

import re
from importlib.resources import files

import holidays
import phonenumbers
import pytest
from phonenumbers import geocoder

from assistant.delivery.rule_tables import (
    DATA,
    US_STATE_NAMES,
    area_code_states,
    country_rules,
    state_rules,
)

STATE_OF_NAME = {name.title(): code for name, code in US_STATE_NAMES.items()}
STATE_OF_NAME |= {"Washington State": "WA", "Washington D.C.": "DC"}


@pytest.mark.parametrize(
    "name", ["us_state_windows.yaml", "country_sms_rules.yaml", "us_area_codes.csv"]
)
def test_each_table_names_its_source_and_date(name: str) -> None:
    header = files(DATA).joinpath(name).read_text(encoding="utf-8")[:1500]
    assert "Source:" in header
    assert re.search(r"Date: 2026-12", header)


def test_the_documented_state_windows() -> None:
    rules = state_rules()
    assert {key: str(rules[key].window) for key in ("FL", "OK", "WA", "CT", "MD")} == {
        "FL": "08:00-20:00",
        "OK": "08:00-20:00",
        "WA": "08:00-20:00",
        "CT": "09:00-20:00",
        "MD": "08:00-20:00",
    }
    assert str(country_rules()["US"].window) == "08:00-21:00"
    france = country_rules()["FR"]
    assert france.sunday is None and france.holidays_closed


def test_every_rule_names_a_real_state_or_country_with_a_calendar() -> None:
    for key, rule in state_rules().items():
        assert key in US_STATE_NAMES.values()
        if rule.holidays_closed:
            assert key in holidays.list_supported_countries()["US"]
    for key in country_rules():
        assert key in holidays.list_supported_countries()


def test_area_codes_agree_with_libphonenumber() -> None:
    table = area_code_states()
    assert len(table) >= 359 and set(table.values()) <= set(US_STATE_NAMES.values())
    for code, state in table.items():
        number = phonenumbers.parse(f"+1{code}2345678")
        if not phonenumbers.is_valid_number(number):
            continue  # a newer overlay than this libphonenumber release knows
        where = geocoder.description_for_number(number, "en")
        named = STATE_OF_NAME.get(where) or where.rsplit(", ", 1)[-1]
        assert named == state, (code, where)
    for state in state_rules():
        assert state in table.values()
