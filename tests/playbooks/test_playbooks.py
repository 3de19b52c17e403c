"""The built-in playbooks: audiences, timing, offers and prompts that exist."""

from __future__ import annotations

import dataclasses

import pytest

from assistant.drafting.prompts import available_prompts
from assistant.playbooks import PLAYBOOKS, Playbook, Timing, UnknownPlaybook, get_playbook
from assistant.segments.registry import builtin_segments


def test_the_five_playbooks() -> None:
    assert list(PLAYBOOKS) == ["recognition", "check_in", "upsell", "re_engagement", "reply"]
    for name, playbook in PLAYBOOKS.items():
        assert isinstance(playbook, Playbook) and playbook.name == name
        assert playbook.description and playbook.channel in ("sms", "email")


def test_segments_are_built_ins() -> None:
    segments = builtin_segments()
    expected = {
        "recognition": "milestone",
        "check_in": "recent_buyers_14d",
        "upsell": "product_fans",
        "re_engagement": "returned_relaunched",
        "reply": None,
    }
    for name, segment in expected.items():
        playbook = get_playbook(name)
        assert playbook.segment == segment
        for used in (playbook.segment, playbook.fallback_segment):
            assert used is None or used in segments
    assert get_playbook("recognition").fallback_segment == "vip"


def test_every_playbook_has_its_prompt_template() -> None:
    templates = set(available_prompts())
    assert {p.prompt for p in PLAYBOOKS.values()} <= templates


def test_check_in_comes_three_to_seven_days_after_a_purchase() -> None:
    timing = get_playbook("check_in").timing
    assert (timing.event, timing.min_days_after, timing.max_days_after) == ("purchase", 3, 7)
    assert [day for day in range(12) if timing.allows(day)] == [3, 4, 5, 6, 7]
    assert get_playbook("reply").timing.allows(10_000)


def test_no_playbook_offers_a_discount_by_default() -> None:
    assert all(p.offer is None for p in PLAYBOOKS.values())


def test_cooldowns_keep_customers_from_being_crowded() -> None:
    assert get_playbook("recognition").cooldown_days >= 60
    assert get_playbook("check_in").cooldown_days >= 7
    assert get_playbook("reply").cooldown_days == 0
    assert all(p.cooldown_days >= 0 for p in PLAYBOOKS.values())


def test_unknown_playbook_lists_the_valid_names() -> None:
    with pytest.raises(UnknownPlaybook) as error:
        get_playbook("winback")
    assert str(error.value) == (
        "unknown playbook 'winback'; choose one of: "
        "recognition, check_in, upsell, re_engagement, reply"
    )
    assert isinstance(error.value, ValueError)


def test_a_misspelt_playbook_gets_a_suggestion() -> None:
    with pytest.raises(UnknownPlaybook, match=r"'checkin' \(did you mean 'check_in'\?\)"):
        get_playbook("checkin")
    with pytest.raises(UnknownPlaybook, match=r"'upsel' \(did you mean 'upsell'\?\)"):
        get_playbook("upsel")


def test_playbooks_and_the_registry_are_read_only() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        get_playbook("upsell").cooldown_days = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        PLAYBOOKS["mine"] = get_playbook("upsell")  # type: ignore[index]


@pytest.mark.parametrize(
    ("low", "high", "message"),
    [(-1, 3, "must not be negative"), (8, 3, "min_days_after 8 is after max_days_after 3")],
)
def test_timing_rejects_impossible_windows(low: int, high: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Timing("purchase", low, high)
