"""Block Kit builders: pure, within Slack's limits, and safe with untrusted text."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.slack import blocks as kit
from connectors.slack.actions import ActionId, BlockId, CallbackId
from tests.slack.helpers import texts
from tests.slack.seed import upsell_body, upsell_facts


def view(**changes: object) -> kit.DraftView:
    base: dict[str, object] = {
        "draft_id": 7, "version": 2, "state": "pending_review", "first_name": "Maya",
        "playbook": "upsell", "channel": "sms", "body": upsell_body("Maya"),
        "segment": "product_fans", "facts": upsell_facts("Maya", first_sms=True),
        "sms_segments": 2,
    }  # fmt: skip
    base.update(changes)
    return kit.DraftView(**base)  # type: ignore[arg-type]


def dicts(blocks: list[kit.Block]) -> list[dict[str, object]]:
    return [b.to_dict() for b in blocks]  # to_dict() validates against Block Kit's limits


def action_ids(blocks: list[dict[str, object]]) -> list[str]:
    return [
        e["action_id"]  # type: ignore[index]
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]  # type: ignore[attr-defined]
    ]


def test_an_open_card_has_the_receipt_the_text_and_four_buttons() -> None:
    blocks = dicts(kit.draft_blocks(view()))
    head = blocks[0]["text"]["text"]  # type: ignore[index]
    assert head == "*Maya* · playbook *upsell* · segment *product_fans* · SMS, 2 segments"
    receipt = blocks[1]["elements"][0]["text"]  # type: ignore[index]
    assert "Upgrade: Whole Bean Reserve 1kg (34.00 USD)" in receipt
    assert "opt-out notice is required" in receipt
    assert action_ids(blocks) == [
        ActionId.APPROVE, ActionId.EDIT, ActionId.REGENERATE, ActionId.REJECT
    ]  # fmt: skip


def test_a_blocked_draft_cannot_be_approved_as_it_is() -> None:
    findings = [{"code": "invented_price", "severity": "block", "message": "a price not in facts"}]
    blocks = dicts(kit.draft_blocks(view(state="needs_attention", findings=findings)))
    assert ActionId.APPROVE not in action_ids(blocks)
    assert "⛔ `invented_price`" in str(blocks)


def test_a_decided_card_says_who_and_when_and_has_no_buttons() -> None:
    at = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
    blocks = dicts(kit.draft_blocks(view(state="rejected", decided_by="slack:U1", decided_at=at,
                                         decision_note="too <b>soon</b>")))  # fmt: skip
    status = str(blocks[-1])
    assert action_ids(blocks) == []
    assert "Rejected* by <@U1> <!date^1795442700^" in status and "2026-11-23 14:05 UTC" in status
    assert "too &lt;b&gt;soon&lt;/b&gt;" in status
    terminal = str(dicts(kit.draft_blocks(view(state="approved", decided_by="terminal:ana"))))
    assert "by ana (terminal)" in terminal


def test_untrusted_text_cannot_mention_or_link() -> None:
    blocks = dicts(kit.draft_blocks(view(first_name="<!channel>", body="<@U999> hi <https://x|y>")))
    assert "&lt;!channel&gt;" in blocks[0]["text"]["text"]  # type: ignore[index]
    body = next(b for b in blocks if b["type"] == "section" and b["text"]["type"] == "plain_text")  # type: ignore[index]
    assert body["text"]["text"] == "<@U999> hi <https://x|y>"  # type: ignore[index]


def test_long_text_is_split_then_truncated_within_the_section_limit() -> None:
    parts = kit.split_text("word " * 2000)
    assert len(parts) == kit.BODY_SECTIONS_MAX
    assert all(len(p) <= kit.BODY_CHUNK for p in parts)
    assert parts[-1].endswith(kit.TRUNCATED_NOTE)
    assert kit.split_text("short") == ["short"]
    assert "".join(kit.split_text("x" * 5000)) == "x" * 5000  # split, nothing lost


def test_modals_carry_the_full_text_and_their_ids() -> None:
    meta = kit.metadata({"d": 7, "v": 2})
    edit = kit.edit_modal(view(), meta).to_dict()
    assert edit["callback_id"] == CallbackId.EDIT and edit["private_metadata"] == meta
    body = next(b for b in edit["blocks"] if b.get("block_id") == BlockId.BODY)
    assert body["element"]["initial_value"] == upsell_body("Maya")
    email = kit.edit_modal(view(channel="email", subject="For you"), meta).to_dict()
    assert [b.get("block_id") for b in email["blocks"]].count(BlockId.SUBJECT) == 1
    huge = kit.edit_modal(view(body="x" * 3001), meta).to_dict()
    assert "submit" not in huge and "assistant review" in str(huge["blocks"])
    assert kit.regenerate_modal(view(), meta).to_dict()["callback_id"] == CallbackId.REGENERATE
    assert kit.reject_modal(view(), meta).to_dict()["callback_id"] == CallbackId.REJECT


def test_campaign_parent_and_risk_modal() -> None:
    campaign = kit.CampaignView(
        campaign_id=3, name="Upsell", playbook="upsell", channel="sms", segment="product_fans",
        counts={"pending_review": 4, "approved": 1, "scheduled": 2},
        samples=[("Maya", "Hi " * 200)],
    )  # fmt: skip
    blocks = dicts(kit.campaign_blocks(campaign))
    assert "*Scheduled or sent*\n2" in texts(blocks)
    assert action_ids(blocks) == [ActionId.REVIEW_BY_RISK]
    none_left = kit.CampaignView(3, "Upsell", "upsell", "sms", None, {"approved": 5})
    assert action_ids(dicts(kit.campaign_blocks(none_left))) == []
    modal = kit.risk_modal(campaign, 0, "1,000 USD", "{}").to_dict()
    assert "submit" not in modal
    assert kit.risk_modal(campaign, 1234, "1,000 USD", "{}").to_dict()["submit"]["text"] == (
        "Approve 1,234"
    )


def test_a_trigger_made_draft_and_its_day_campaign_name_the_trigger_not_a_segment() -> None:
    blocks = dicts(kit.draft_blocks(view(segment=None, trigger="purchase", playbook="check_in")))
    head = blocks[0]["text"]["text"]  # type: ignore[index]
    assert head == "*Maya* · playbook *check_in* · trigger *purchase* · SMS, 2 segments"
    day = kit.CampaignView(
        campaign_id=4, name="Check-ins · 2026-12-07", playbook="check_in", channel="sms",
        segment=None, counts={"pending_review": 12}, trigger="purchase",
    )  # fmt: skip
    assert "trigger *purchase*" in texts(dicts(kit.campaign_blocks(day)))
