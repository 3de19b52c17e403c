"""The combined sending window: brand hours, US federal and state limits, France, holidays."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from assistant.db import unit_of_work
from assistant.delivery.quiet_hours import QuietHours
from assistant.delivery.windows import customer_country, customer_state, sending_window, zone_of
from assistant.models import Customer
from tests.delivery.factories import Clock, add_customer, add_draft, policy
from tests.delivery.helpers import message, outbox_lines, outbox_transports, schedule, send

NEW_YORK = ZoneInfo("America/New_York")
PARIS = ZoneInfo("Europe/Paris")
# Brand open 07:00-22:00, so the legal limits are what bites.
WIDE = policy(quiet_hours=QuietHours(start=time(22, 0), end=time(7, 0)))


def _customer(**fields: Any) -> Customer:
    values: dict[str, Any] = {"external_id": "x", "timezone": "America/New_York"}
    values.update(fields)
    return Customer(**values)


def _codes(customer: Customer, at: datetime, channel: str = "sms", **rules: Any) -> list[str]:
    chosen = policy(**rules) if rules else WIDE
    return [block.code for block in sending_window(customer, channel, chosen).blocks(at)]


def _local(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone).astimezone(UTC)  # type: ignore[misc]


def test_florida_area_code_keeps_eight_to_eight() -> None:
    florida = _customer(phone="+13055550123")
    assert (customer_country(florida), customer_state(florida)) == ("US", "FL")
    window = sending_window(florida, "sms", WIDE)
    # Tuesday 8 Dec 2026, 07:30 in Miami: the brand is open, Florida is not.
    early = _local(NEW_YORK, 2026, 12, 8, 7, 30)
    assert _codes(florida, early) == [
        "state_window:FL 08:00-20:00",
        "country_window:US 08:00-21:00",
    ]
    assert window.next_allowed(early) == _local(NEW_YORK, 2026, 12, 8, 8, 0)
    late = _local(NEW_YORK, 2026, 12, 8, 20, 30)  # federal allows until 21:00, Florida not
    assert _codes(florida, late) == ["state_window:FL 08:00-20:00"]
    assert window.next_allowed(late) == _local(NEW_YORK, 2026, 12, 9, 8, 0)


def test_connecticut_area_code_opens_at_nine() -> None:
    connecticut = _customer(phone="+12035550123")
    at = _local(NEW_YORK, 2026, 12, 8, 8, 30)
    assert _codes(connecticut, at) == ["state_window:CT 09:00-20:00"]
    assert sending_window(connecticut, "sms", WIDE).next_allowed(at) == _local(
        NEW_YORK, 2026, 12, 8, 9, 0
    )


@pytest.mark.parametrize("given", ["CT", "Connecticut", " connecticut ", "ct"])
def test_state_attribute_wins_over_the_area_code(given: str) -> None:
    moved = _customer(phone="+13055550123", attributes={"State": given})
    assert customer_state(moved) == "CT"
    assert _codes(moved, _local(NEW_YORK, 2026, 12, 8, 8, 30)) == ["state_window:CT 09:00-20:00"]


@pytest.mark.parametrize(
    "given,state", [("Washington D.C.", "DC"), ("Washington State", "WA"), ("tx", "TX")]
)
def test_state_names_people_write(given: str, state: str) -> None:
    assert customer_state(_customer(attributes={"region": given})) == state


def test_an_attribute_naming_no_us_state_falls_back_to_the_area_code() -> None:
    assert customer_state(_customer(phone="+12035550123", attributes={"state": "Ontario"})) == "CT"
    assert customer_state(_customer(phone="+14155550123")) == "CA"  # no rule: federal only
    assert _codes(_customer(phone="+14155550123"), _local(NEW_YORK, 2026, 12, 8, 8, 30)) == []


def test_texas_sundays_open_at_noon() -> None:
    texan = _customer(phone="+15125550123", timezone="America/Chicago")
    chicago = ZoneInfo("America/Chicago")
    sunday = _local(chicago, 2026, 12, 6, 11, 0)
    assert _codes(texan, sunday) == ["state_window:TX 12:00-21:00"]
    assert sending_window(texan, "sms", WIDE).next_allowed(sunday) == _local(
        chicago, 2026, 12, 6, 12, 0
    )


def test_alabama_skips_sundays_and_state_holidays() -> None:
    alabama = _customer(phone="+12055550123", timezone="America/Chicago")
    chicago = ZoneInfo("America/Chicago")
    assert _codes(alabama, _local(chicago, 2026, 12, 6, 12, 0)) == ["sunday:AL"]
    codes = _codes(alabama, _local(chicago, 2026, 12, 25, 12, 0))  # a Friday
    assert codes == ["holiday:AL:Christmas Day"]
    assert sending_window(alabama, "sms", WIDE).next_allowed(
        _local(chicago, 2026, 12, 5, 21, 0)
    ) == _local(chicago, 2026, 12, 7, 8, 0)  # Saturday night → Monday 08:00


def test_france_no_commercial_sms_on_sundays_or_public_holidays() -> None:
    french = _customer(phone="+33612345678", timezone="Europe/Paris")
    assert customer_country(french) == "FR"
    window = sending_window(french, "sms", policy())
    sunday = _local(PARIS, 2026, 12, 6, 11, 0)
    assert _codes(french, sunday, quiet_hours=QuietHours()) == ["sunday:FR"]
    assert window.next_allowed(sunday) == _local(PARIS, 2026, 12, 7, 9, 0)  # brand opens 09:00
    christmas = _local(PARIS, 2026, 12, 25, 11, 0)
    assert _codes(french, christmas, quiet_hours=QuietHours()) == ["holiday:FR:Noël"]
    assert window.next_allowed(christmas) == _local(PARIS, 2026, 12, 26, 9, 0)
    assert _codes(french, sunday, channel="email", quiet_hours=QuietHours()) == []


def test_brand_holiday_skip_follows_the_customers_country() -> None:
    american = _customer(phone="+14155550123")
    july_fourth = _local(NEW_YORK, 2026, 7, 4, 12, 0)
    assert _codes(american, july_fourth, channel="email", quiet_hours=QuietHours()) == []
    skipping = policy(skip_holidays=True)
    window = sending_window(american, "email", skipping)
    assert [b.code for b in window.blocks(july_fourth)] == ["holiday:US:Independence Day"]
    assert window.next_allowed(july_fourth) == _local(NEW_YORK, 2026, 7, 5, 9, 0)
    british = _customer(email="a@example.com", attributes={"country": "gb"})
    boxing_day = _local(NEW_YORK, 2026, 12, 28, 12, 0)  # observed on Monday the 28th
    assert [b.reason for b in sending_window(british, "email", skipping).blocks(boxing_day)] == [
        "holiday"
    ]


def test_legal_windows_can_be_turned_off() -> None:
    florida = _customer(phone="+13055550123")
    early = _local(NEW_YORK, 2026, 12, 8, 7, 30)
    off = policy(quiet_hours=WIDE.quiet_hours, legal_windows=False)
    assert sending_window(florida, "sms", off).blocks(early) == []


def test_a_window_no_rule_can_meet_has_no_next_moment() -> None:
    florida = _customer(phone="+13055550123")
    night_owl = policy(quiet_hours=QuietHours(start=time(23, 0), end=time(21, 0)))
    assert sending_window(florida, "sms", night_owl).next_allowed(datetime.now(UTC)) is None


def test_the_scheduler_defers_to_the_state_window(engine: Engine) -> None:
    clock = Clock(_local(NEW_YORK, 2026, 12, 8, 7, 30))
    with unit_of_work(engine) as session:
        draft = add_draft(session, add_customer(session, phone="+13055550199"))
    message_id = schedule(engine, draft.id, clock, WIDE)
    assert message_id is not None
    waiting = message(engine, message_id)
    assert waiting.scheduled_for == _local(NEW_YORK, 2026, 12, 8, 8, 0)
    assert waiting.error_code == "state_window"


def test_an_impossible_window_holds_the_message_with_a_reason(engine: Engine) -> None:
    clock = Clock(_local(NEW_YORK, 2026, 12, 8, 12, 0))
    night_owl = policy(quiet_hours=QuietHours(start=time(23, 0), end=time(21, 0)))
    with unit_of_work(engine) as session:
        draft = add_draft(session, add_customer(session, phone="+13055550198"))
    message_id = schedule(engine, draft.id, clock, night_owl)
    assert message(engine, message_id or 0).status == "cancelled"
    assert message(engine, message_id or 0).error_code == "no_sending_window"


def test_conversation_replies_ignore_the_window(engine: Engine) -> None:
    clock = Clock(_local(PARIS, 2026, 12, 6, 23, 0))  # Sunday night in Paris
    with unit_of_work(engine) as session:
        customer = add_customer(session, phone="+33612345670", timezone="Europe/Paris")
        draft = add_draft(session, customer, playbook="reply")
    message_id = schedule(engine, draft.id, clock, policy())
    replied = message(engine, message_id or 0)
    assert (replied.kind, replied.status, replied.scheduled_for) == (
        "conversation",
        "scheduled",
        clock.now,
    )


def test_the_sender_defers_a_due_message_into_the_next_window(
    engine: Engine, tmp_path: Path
) -> None:
    # Scheduled on Saturday 19:00 in Paris; the sender only runs on Sunday morning.
    clock = Clock(_local(PARIS, 2026, 12, 5, 19, 0))
    with unit_of_work(engine) as session:
        customer = add_customer(session, phone="+33612345671", timezone="Europe/Paris")
        draft = add_draft(session, customer)
    rules = policy()
    message_id = schedule(engine, draft.id, clock, rules)
    assert message(engine, message_id or 0).scheduled_for == clock.now
    clock.now = _local(PARIS, 2026, 12, 6, 10, 0)
    send(engine, outbox_transports(tmp_path), clock, rules)
    waiting = message(engine, message_id or 0)
    assert (waiting.status, waiting.error_code) == ("scheduled", "sunday")
    assert waiting.scheduled_for == _local(PARIS, 2026, 12, 7, 9, 0)
    assert outbox_lines(tmp_path) == []
    clock.now = _local(PARIS, 2026, 12, 7, 9, 0)
    send(engine, outbox_transports(tmp_path), clock, rules)
    assert len(outbox_lines(tmp_path)) == 1


def test_without_a_zone_the_number_s_own_zone_is_used_not_the_brand_s() -> None:
    """A New York brand must not text a Los Angeles number at 6:00 Los Angeles time because
    the customer record has no zone; a number of several zones (or none) falls back."""
    los_angeles = ZoneInfo("America/Los_Angeles")
    caller = _customer(timezone=None, phone="+14155550123")
    rules = policy(brand_zone="America/New_York")
    assert zone_of(caller, rules) == los_angeles
    window = sending_window(caller, "sms", rules)
    # 09:30 in New York is 06:30 in Los Angeles: the brand's hours (09:00-20:00) are not open.
    at = _local(NEW_YORK, 2026, 12, 8, 9, 30)
    assert "quiet_hours:09:00-20:00" in _codes(caller, at, brand_zone="America/New_York")
    assert window.next_allowed(at) == _local(los_angeles, 2026, 12, 8, 9, 0)
    # A zone on record wins; a number without a single zone leaves the brand's.
    assert zone_of(_customer(phone="+14155550123"), rules) == NEW_YORK
    assert zone_of(_customer(timezone="Not/AZone", phone="+33612345678"), rules) == PARIS
    assert zone_of(_customer(timezone=None, phone="+15555550123"), rules) == NEW_YORK
    assert zone_of(_customer(timezone=None, phone=None), rules) == NEW_YORK
