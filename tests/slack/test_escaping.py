"""Customer-controlled values never become Slack mentions, links or markup: every mrkdwn text
and notification text of cards and modals has them escaped."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.review import explain
from connectors.slack import blocks as kit
from tests.slack.seed import upsell_body, upsell_facts

HOSTILE = ("<!channel>", "<@U123>", "<!here|here>", "<http://evil|click>")
NAMES = ["<!channel>", "<@U123>", "*bold*", "<!here|here>"]
PRODUCT = "<http://evil|click>"


def _mrkdwn(node: Any) -> list[str]:
    """Every text Slack parses as mrkdwn in a block tree (plain_text it never parses)."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            found.append(node["text"])
        for value in node.values():
            found += _mrkdwn(value)
    elif isinstance(node, list):
        for value in node:
            found += _mrkdwn(value)
    return found


def _hostile_view(name: str, **changes: Any) -> kit.DraftView:
    facts = upsell_facts(name, first_sms=True)
    for group in ("product", "upgrade"):
        if isinstance(facts.get(group), dict):
            facts[group]["name"] = PRODUCT
    base: dict[str, Any] = {
        "draft_id": 7, "version": 2, "state": "pending_review", "first_name": name,
        "playbook": "upsell", "channel": "sms", "body": upsell_body(name),
        "segment": "product_fans", "facts": facts, "sms_segments": 2,
        "campaign_name": f"{PRODUCT} week", "decision_note": f"for {name}",
    }  # fmt: skip
    base.update(changes)
    return kit.DraftView(**base)


def _assert_escaped(texts: list[str]) -> None:
    assert texts
    for text in texts:
        for raw in HOSTILE:
            assert raw not in text, (raw, text)


@pytest.mark.parametrize("name", NAMES)
def test_cards_and_notification_texts_escape_names_and_products(name: str) -> None:
    for state in ("pending_review", "rejected"):
        view = _hostile_view(name, state=state)
        blocks = [b.to_dict() for b in kit.draft_blocks(view)]
        texts = _mrkdwn(blocks)
        assert any("&lt;" in t or "*bold*" in name for t in texts)
        _assert_escaped([*texts, kit.draft_fallback(view)])
    campaign = kit.CampaignView(
        campaign_id=3, name=f"{name} {PRODUCT}", playbook="upsell", channel="sms",
        segment="product_fans", counts={"pending_review": 2},
        samples=[(name, f"Hi {name}, see {PRODUCT}")],
    )  # fmt: skip
    campaign_texts = _mrkdwn([b.to_dict() for b in kit.campaign_blocks(campaign)])
    _assert_escaped([*campaign_texts, kit.campaign_fallback(campaign)])
    assert "&lt;" in kit.campaign_fallback(campaign) or name == "*bold*"


@pytest.mark.parametrize("name", NAMES)
def test_modals_escape_names_and_products(name: str) -> None:
    view = _hostile_view(name)
    campaign = kit.CampaignView(
        campaign_id=3, name=f"{name} {PRODUCT}", playbook="upsell", channel="sms",
        segment=None, counts={},
    )  # fmt: skip
    modals = [
        kit.edit_modal(view, "{}"),
        kit.regenerate_modal(view, "{}"),
        kit.reject_modal(view, "{}"),
        kit.risk_modal(campaign, 2, "<!channel>", "{}"),
        kit.reply_modal(name, "{}"),
    ]
    _assert_escaped([t for modal in modals for t in _mrkdwn(modal.to_dict())])


def test_escape_keeps_markup_characters_readable() -> None:
    assert kit.escape("<!channel> & <@U123>") == "&lt;!channel&gt; &amp; &lt;@U123&gt;"


def _hostile_explanation(text: str) -> explain.DraftExplanation:
    return explain.DraftExplanation(
        draft_id=7,
        why=explain.Why("segment", text, f"rule {text}", (f"bought {PRODUCT} 3 times", text)),
        metrics=explain.KeyMetrics(12, text, text, None),
        destination=explain.Destination("sms", text),
        consent=explain.ConsentState(True, text, None, True, text),
        guardrails=explain.GuardrailSummary(True, (text,), (f"warn {text}: {text}",), 0),
        send=explain.SendPlan("held", None, "UTC", text),
    )


@pytest.mark.parametrize("name", NAMES)
def test_the_explanation_escapes_segment_rules_products_sources_and_reasons(name: str) -> None:
    view = _hostile_view(name, explanation=_hostile_explanation(name))
    texts = _mrkdwn([b.to_dict() for b in kit.draft_blocks(view)])

    _assert_escaped(texts)
    assert any("bought &lt;http://evil|click&gt; 3 times" in t for t in texts)
    assert any("*Why:* segment" in t for t in texts)
