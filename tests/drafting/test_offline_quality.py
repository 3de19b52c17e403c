"""Offline drafts a CX lead would send: one SMS segment, short names, category phrasing,
varied openings, upsells that say why, and no claim about the brand it did not make."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from assistant.drafting.brand import DEFAULT_PROMPTS_DIR, Brand, load_brand
from assistant.drafting.guardrails import GuardrailPolicy, blocking, check_draft
from assistant.drafting.openings import opening_key, top_opening_share
from assistant.drafting.sms_segments import analyse
from assistant.ports import DraftOutput, DraftRequest
from connectors.llm import offline_phrases
from connectors.llm.offline import OfflineDrafter
from connectors.llm.offline_facts import upgrade_reason
from tests.drafting.factsets import fact_sets, facts_for

DRAFTS_PER_PLAYBOOK = 200
PLAYBOOKS = ("recognition", "check_in", "upsell", "re_engagement")


@pytest.fixture(scope="module")
def brand() -> Brand:
    return load_brand(DEFAULT_PROMPTS_DIR)


@pytest.fixture(scope="module")
def drafter(brand: Brand) -> OfflineDrafter:
    return OfflineDrafter(brand)


def write(
    drafter: OfflineDrafter, playbook: str, channel: str, facts: Any, variant: int = 0
) -> DraftOutput:
    return drafter.compose(
        DraftRequest(
            playbook=playbook,
            channel=channel,  # type: ignore[arg-type]
            prompt_version=f"{playbook}-1",
            system="",
            prompt="",
            facts=facts,
            variant=variant,
        )
    )


def check_in(product: str, category: str | None, *, first_sms: bool = True) -> dict[str, Any]:
    facts = facts_for("check_in", "sms", 0)
    facts["customer"]["first_sms"] = first_sms
    facts["purchase"] = {"product": product, "ordered_on": "2026-11-20", "days_ago": 3}
    if category:
        facts["purchase"]["category"] = category
    return facts


def test_sms_check_ins_fit_one_segment_with_the_opt_out_notice(
    drafter: OfflineDrafter, brand: Brand
) -> None:
    for facts in fact_sets("check_in", "sms", 120):
        out = write(drafter, "check_in", "sms", facts)
        info = analyse(out.body)
        assert (info.encoding, info.segments) == ("GSM-7", 1), out.body
        assert (brand.sms_opt_out_notice in out.body) == facts["customer"]["first_sms"]


def test_a_long_check_in_still_fits_one_segment_by_a_shorter_wording(
    drafter: OfflineDrafter,
) -> None:
    facts = check_in("Reserve Single-Origin Colombia Whole Bean 1kg", "coffee")
    facts["customer"]["first_name"] = "Maximilian"
    for variant in range(30):
        out = write(drafter, "check_in", "sms", facts, variant)
        assert analyse(out.body).segments == 1, out.body
        assert "Reserve Single-Origin Colombia Whole Bean" in out.body


def test_check_ins_name_the_product_without_its_size_or_pack(drafter: OfflineDrafter) -> None:
    out = write(drafter, "check_in", "sms", check_in("Oat Milk 6-pack 1L", "Food & Drink"))
    assert "Oat Milk" in out.body
    assert "6-pack" not in out.body and "1L" not in out.body
    facts = check_in("House Blend Whole Bean 250g", "coffee")
    facts["purchase"]["short_name"] = "House Blend"
    out = write(drafter, "check_in", "sms", facts)
    assert "House Blend" in out.body and "Whole Bean" not in out.body
    assert "purchase.short_name" in out.facts_used


# Words that belong to one kind of product only.
GEAR_ONLY = ("setup", "set up", "setup or care", "earning its keep", "settling in", "doing its job")
APPAREL_ONLY = ("fit", "size", "sizing", "wearing", "feel on")
TASTE = ("taste", "going down well", "hitting the spot")
FOOD_ONLY = ("running low", *TASTE)


def _has(body: str, words: tuple[str, ...]) -> list[str]:
    return [w for w in words if re.search(rf"\b{w}\b", body, re.IGNORECASE)]


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_check_ins_are_phrased_for_the_kind_of_product(
    drafter: OfflineDrafter, channel: str
) -> None:
    cases = {
        ("Oat Milk 6-pack 1L", "Food & Drink"): GEAR_ONLY + APPAREL_ONLY,
        ("Paper Filters No. 4 (100)", "consumables"): GEAR_ONLY + APPAREL_ONLY + TASTE,
        ("Merino Crewneck Sweater", "apparel"): GEAR_ONLY + FOOD_ONLY,
        ("Electric Gooseneck Kettle", "equipment"): APPAREL_ONLY + FOOD_ONLY,
        ("Gift Card", None): GEAR_ONLY + APPAREL_ONLY + FOOD_ONLY,
    }
    for (product, category), foreign in cases.items():
        seen = []
        for variant in range(40):
            facts = check_in(product, category)
            facts["channel"] = channel
            body = write(drafter, "check_in", channel, facts, variant).body
            assert not _has(body, foreign), body
            seen.append(body)
        if category == "apparel":
            assert any(_has(body, ("fit", "size")) for body in seen)
        if category == "Food & Drink":
            assert any(_has(body, ("running low", "finding it")) for body in seen)


def test_opening_key_turns_facts_and_numbers_into_tokens() -> None:
    facts = {"customer": {"first_name": "Maya"}, "purchase": {"product": "Quiet Kettle 1L"}}
    body = "Hi Maya, your Quiet Kettle 1L is 3 days old. Enjoy!"
    assert opening_key(body, facts) == "your <fact> is <n> days old."
    other = {"customer": {"first_name": "Ben"}, "purchase": {"product": "Stoneware Mug"}}
    assert opening_key("Hello Ben! Your Stoneware Mug is 12 days old.", other) == (
        "your <fact> is <n> days old."
    )
    assert top_opening_share([(body, facts), ("Hi Ben, all good?", other)]) == 0.5


@pytest.mark.parametrize("channel", ["sms", "email"])
@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_no_opening_is_shared_by_more_than_5_percent_of_a_playbooks_drafts(
    drafter: OfflineDrafter, playbook: str, channel: str
) -> None:
    drafts = []
    for index, facts in enumerate(fact_sets(playbook, channel, DRAFTS_PER_PLAYBOOK)):
        drafts.append((write(drafter, playbook, channel, facts, index).body, facts))
    assert len(drafts) >= 100
    assert top_opening_share(drafts) <= 0.05


def upsell(fav: str, upgrade: str, **upgrade_facts: str) -> dict[str, Any]:
    facts = facts_for("upsell", "email", 0)
    facts["product"] = {"name": fav, "times_bought": 4, "category": "coffee"}
    facts["upgrade"] = {"name": upgrade, **upgrade_facts}
    return facts


@pytest.mark.parametrize(
    ("facts", "kind", "said"),
    [
        (
            upsell("Blade Grinder", "Conical Burr Grinder Pro", improvement="Quieter motor"),
            "why_note",
            "quieter motor",
        ),
        (upsell("Swiss Water Decaf 250g", "Swiss Water Decaf 1kg"), "why_size", "1kg"),
        (
            upsell("French Press 1L", "Double-Wall Steel French Press", category="coffee"),
            "why_words",
            "Double-Wall Steel",
        ),
        (
            upsell("Cold Brew Coarse Grind 500g", "Cold Brew Jar 1.5L", category="equipment"),
            "why_category",
            "equipment",
        ),
    ],
)
def test_upsells_say_why_the_upgrade_is_better_from_the_facts(
    drafter: OfflineDrafter, facts: dict[str, Any], kind: str, said: str
) -> None:
    reason = upgrade_reason(facts)
    assert reason is not None and reason.kind == kind
    for channel in ("email", "sms"):
        for variant in range(10):
            body = write(drafter, "upsell", channel, facts, variant).body
            assert said in body, body


def test_the_words_an_upgrade_adds_are_read_without_linking_words() -> None:
    reason = upgrade_reason(upsell("Brew Scale", "Brew Scale with Timer", category="coffee"))
    assert reason is not None and reason.values == {"why": "Timer"}


def test_an_upsell_without_a_known_reason_claims_none(drafter: OfflineDrafter) -> None:
    # A smaller size of the same product and nothing else known: no reason to give.
    facts = upsell("Swiss Water Decaf 1kg", "Swiss Water Decaf 250g")
    assert upgrade_reason(facts) is None
    whys = {
        t.split("{")[0] for k, v in offline_phrases.UPSELL.items() if k.startswith("why") for t in v
    }
    for variant in range(10):
        body = write(drafter, "upsell", "email", facts, variant).body
        assert not [w for w in whys if w and w in body], body


def _bank_texts() -> list[str]:
    texts: list[str] = []
    for value in vars(offline_phrases).values():
        if isinstance(value, dict):
            for item in value.values():
                if isinstance(item, dict):
                    texts += [t for options in item.values() for t in options]
                elif isinstance(item, tuple | str):
                    texts += [item] if isinstance(item, str) else list(item)
        elif isinstance(value, tuple):
            texts += [t for t in value if isinstance(t, str)]
    return texts


BRAND_CLAIMS = re.compile(
    r"\b(?:shop|store|business|family|families|small team|our team|we're an?|we are an?|"
    r"independent|handmade|hand-made|packed by|local|since \d{4}|founded|makers?)\b",
    re.IGNORECASE,
)


def test_the_phrase_bank_makes_no_claims_about_the_brand() -> None:
    texts = _bank_texts()
    assert len(texts) > 200  # the scan reads the banks, not an empty list
    claims = [t for t in texts if BRAND_CLAIMS.search(t)]
    assert claims == []


def test_the_scan_would_catch_a_brand_claim() -> None:
    assert BRAND_CLAIMS.search("A small shop lives on people who come back.")
    assert BRAND_CLAIMS.search("We're a family business.")
    assert not BRAND_CLAIMS.search("Thanks for shopping with us.")


def test_what_a_draft_says_about_the_brand_comes_from_brand_yaml(brand: Brand) -> None:
    about = "We roast every bean within a week of it leaving the farm."
    said = OfflineDrafter(brand.model_copy(update={"about": about}))
    silent = OfflineDrafter(brand.model_copy(update={"about": None}))
    with_about = without_about = 0
    for index, facts in enumerate(fact_sets("recognition", "email", 60)):
        with_about += about in write(said, "recognition", "email", copy.deepcopy(facts), index).body
        body = write(silent, "recognition", "email", facts, index).body
        without_about += about in body
        assert "{about}" not in body
    assert with_about > 0
    assert without_about == 0


def test_the_brands_about_line_passes_the_guardrails_with_its_numbers(brand: Brand) -> None:
    about = "We have roasted in small batches since 2009, 12 kilos at a time."
    with_about = brand.model_copy(update={"about": about})
    drafter = OfflineDrafter(with_about)
    policy = GuardrailPolicy.from_brand(with_about)
    said = 0
    for index, facts in enumerate(fact_sets("recognition", "email", 60)):
        out = write(drafter, "recognition", "email", facts, index)
        if about in out.body:
            said += 1
            findings = check_draft(
                channel="email", body=out.body, subject=out.subject, facts=facts, policy=policy
            )
            assert not blocking(findings), findings
    assert said > 0
