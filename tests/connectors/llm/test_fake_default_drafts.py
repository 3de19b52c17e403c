"""The fake server's default responder reads our real prompts and writes drafts that pass
every guardrail: all playbooks, both channels, accented names, a regeneration's prompt."""

from __future__ import annotations

import pytest

from assistant.demo.catalog import PRODUCTS
from assistant.drafting.brand import load_brand
from assistant.drafting.guardrails import GuardrailPolicy, check_draft
from assistant.drafting.prompts import fact_lines, load_prompt, render_prompt
from assistant.drafting.sms_segments import analyse
from assistant.playbooks import PLAYBOOKS
from tests.drafting.factsets import fact_sets
from tests.fakes.openai_drafts import facts_in, gsm7
from tests.fakes.openai_server import plausible_draft


def _request(system: str, user: str) -> dict[str, object]:
    return {"messages": [{"role": "system", "content": system}, {"role": "user", "content": user}]}


@pytest.mark.parametrize("channel", ["sms", "email"])
@pytest.mark.parametrize("playbook", sorted(PLAYBOOKS))
def test_default_drafts_of_real_prompts_have_no_finding(playbook: str, channel: str) -> None:
    brand = load_brand()
    policy = GuardrailPolicy.from_brand(brand, catalog_names=[p.name for p in PRODUCTS])
    template = load_prompt(PLAYBOOKS[playbook].prompt)
    for facts in fact_sets(playbook, channel, 60):
        for feedback in ((), ("invented_code: WELCOME10 is not in the facts",)):
            prompt = render_prompt(
                template, facts=facts, brand=brand, channel=channel, feedback=feedback
            )
            draft = plausible_draft(_request(prompt.system, prompt.user))
            findings = check_draft(
                channel=channel,
                body=draft["body"],
                subject=draft["subject"],
                facts=facts,
                policy=policy,
            )
            assert findings == [], (draft["body"], findings)
            assert "customer.first_name" in draft["facts_used"]
            if channel == "sms":
                assert analyse(draft["body"]).encoding == "GSM-7"
                assert draft["subject"] is None


def test_fact_lines_are_read_back_and_a_cut_line_is_salvaged() -> None:
    facts = {
        "customer": {"first_name": "Zoë", "tenure_years": 3},
        "purchase": {"product": "Cast Iron Skillet 10in", "ordered_on": "2026-11-18"},
        "relaunch": {"relaunched_on": "2026-09-15", "improvement": "x" * 400},
    }
    lines = "\n".join(fact_lines(facts))
    read = facts_in(f"Facts about Zoë:\n{lines}\n")
    assert read["customer"] == facts["customer"]
    assert read["purchase"] == facts["purchase"]
    # Cut at 300 characters ("..."): the long value is lost, the whole pair before it kept.
    assert lines.endswith("...")
    assert read["relaunch"] == {"relaunched_on": "2026-09-15"}


def test_an_sms_keeps_to_gsm7_and_the_length_asked() -> None:
    assert gsm7("Zoë, João, Raphaël & Çelik: 10€") == "Zoe, Joao, Raphael & Çelik: 10€"
    prompt = (
        "Facts about Zoë:\n"
        'customer: {"first_name": "Zoë"}\n'
        'product: {"name": "Reserve Single-Origin Ethiopia Whole Bean 1kg"}\n'
        'upgrade: {"name": "Reserve Single-Origin Ethiopia Whole Bean 1kg Gift Tin"}\n\n'
        'SMS: GSM-7 only, at most 160 characters, ending "Sam" then "Text STOP to end".\n'
    )
    draft = plausible_draft({"messages": [{"role": "user", "content": prompt}]})
    body = draft["body"]
    assert body.startswith("Hi Zoe, thank you for choosing the Reserve")
    assert body.endswith(" Sam Text STOP to end")
    assert "We hope" not in body and "Just reply" not in body  # left out to fit
    assert analyse(body).encoding == "GSM-7"
