"""The offline drafter and a variant: its own wording, and a closing question for 'ask what'."""

from __future__ import annotations

from dataclasses import replace

from assistant.drafting.brand import load_brand
from assistant.ports import DraftRequest
from connectors.llm.offline import OfflineDrafter
from connectors.llm.offline_phrases import ASK_CLOSINGS
from tests.review.helpers import check_in_facts

ASK = "ask what they would love to see from us next"


def _request(**changes: object) -> DraftRequest:
    base = DraftRequest(
        playbook="check_in",
        channel="email",
        prompt_version="check_in-1",
        system="",
        prompt="",
        facts=check_in_facts("Maya", "email"),
        variant=7,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_no_variant_words_the_draft_as_before_and_a_variant_its_own_way() -> None:
    drafter = OfflineDrafter(load_brand())
    plain = drafter.compose(_request())
    assert drafter.compose(_request()).body == plain.body
    worded = {drafter.compose(_request(variant=v, test_variant="b")).body for v in range(8)}
    unworded = {drafter.compose(_request(variant=v)).body for v in range(8)}
    assert worded != unworded


def test_an_ask_what_voice_closes_with_a_question_and_nothing_else_changes_the_rules() -> None:
    drafter = OfflineDrafter(load_brand())
    for variant in range(6):
        asked = drafter.compose(_request(variant=variant, test_variant="b", voice=ASK))
        assert any(closing in asked.body for closing in ASK_CLOSINGS), asked.body
        plain = drafter.compose(_request(variant=variant, test_variant="b"))
        assert not any(closing in plain.body for closing in ASK_CLOSINGS)
