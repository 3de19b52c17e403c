"""Block Kit for the review app, built with slack-sdk's block models; pure, no I/O.

Cards show what a reviewer needs to decide: who the customer is (first name only), why they
get a message and what approving does (explanation.py: the segment or trigger and the
qualifying row, key metrics, masked destination, consent, guardrails, send time), the fact
receipt, the text, its guardrail findings, and the buttons. Text
that comes from data (names, products, drafts) is escaped, and draft text is shown as
`plain_text`, so a draft can never mention `@channel` or render a link. Texts are kept
within Block Kit's limits: a long draft is split over a few sections and then truncated for
display; the edit modal carries the full text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from assistant.review.explain import DraftExplanation
from assistant.review.outcomes import OFFLINE_INSTRUCTION_NOTE
from connectors.slack.actions import INPUT_ACTION, ActionId, BlockId, CallbackId
from connectors.slack.explanation import explanation_blocks
from connectors.slack.mrkdwn import SECTION_MAX, actor_mention, escape, slack_date
from connectors.slack.receipt import receipt_lines

__all__ = ["SECTION_MAX", "actor_mention", "escape", "receipt_lines", "slack_date"]
# Room left in a section for the truncation note.
BODY_CHUNK = 2900
BODY_SECTIONS_MAX = 3
INPUT_MAX = 3000
SUBJECT_MAX = 300
INSTRUCTION_MAX = 200
REASON_MAX = 500
SAMPLE_CHARS = 160
FALLBACK_MAX = 200
TRUNCATED_NOTE = "… (shortened for display; Edit shows the full text)"

STATE_LABELS = {
    "pending_review": "Waiting for review",
    "needs_attention": "Blocked by guardrails: edit, regenerate or override it",
    "approved": "Approved",
    "rejected": "Rejected",
    "scheduled": "Approved, scheduled to send",
    "sent": "Approved and sent",
    "delivered": "Approved, sent and delivered",
    "failed": "Approved, but sending failed",
    "cancelled": "Cancelled",
    "generated": "Generated",
}
STATE_ICONS = {"approved": "✅", "rejected": "🚫", "cancelled": "⛔", "failed": "❗"}
OPEN_STATES = frozenset({"pending_review", "needs_attention"})


@dataclass(frozen=True)
class DraftView:
    """What a draft card shows, read from the database by the poster."""

    draft_id: int
    version: int
    state: str
    first_name: str
    playbook: str
    channel: str
    body: str
    subject: str | None = None
    # Who the draft is for: the campaign's segment, or the trigger that queued it.
    segment: str | None = None
    trigger: str | None = None
    campaign_name: str | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)
    findings: Sequence[Mapping[str, Any]] = ()
    sms_segments: int | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None
    edited: bool = False
    regenerating: bool = False
    # Why this customer, now, and what approving does (review.explain); None: not computed.
    explanation: DraftExplanation | None = None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def actionable(self) -> bool:
        """Open, and not being rewritten right now."""
        return self.is_open and not self.regenerating


@dataclass(frozen=True)
class CampaignView:
    """What a campaign's parent message shows."""

    campaign_id: int
    name: str
    playbook: str
    channel: str
    segment: str | None
    counts: Mapping[str, int]
    samples: Sequence[tuple[str, str]] = ()
    trigger: str | None = None


def split_text(text: str, size: int = BODY_CHUNK, parts: int = BODY_SECTIONS_MAX) -> list[str]:
    """`text` in at most `parts` chunks of at most `size` characters, cut at whitespace when
    possible; the last chunk ends with a note when the text did not fit."""
    chunks: list[str] = []
    rest = text
    while rest and len(chunks) < parts:
        if len(rest) <= size:
            chunks.append(rest)
            rest = ""
            break
        cut = rest.rfind(" ", size // 2, size)
        cut = cut if cut > 0 else size
        chunks.append(rest[:cut])
        rest = rest[cut:].lstrip()
    if rest:
        keep = size - len(TRUNCATED_NOTE)
        chunks[-1] = chunks[-1][:keep].rstrip() + TRUNCATED_NOTE
    return chunks or [""]


def _plain(text: str) -> PlainTextObject:
    return PlainTextObject(text=text, emoji=False)


def _channel_label(view: DraftView) -> str:
    if view.channel == "sms":
        count = view.sms_segments
        return "SMS" if count is None else f"SMS, {count} segment{'s' if count != 1 else ''}"
    return "Email" if view.channel == "email" else view.channel


def _audience(trigger: str | None, segment: str | None) -> str:
    if trigger:
        return f"trigger *{escape(trigger)}*"
    return f"segment *{escape(segment or '')}*"


def _headline(view: DraftView) -> str:
    where = [f"*{escape(view.first_name)}*", f"playbook *{escape(view.playbook)}*"]
    if view.trigger or view.segment:
        where.append(_audience(view.trigger, view.segment))
    where.append(escape(_channel_label(view)))
    return " · ".join(where)


def _finding_lines(findings: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = []
    for item in findings:
        icon = "⛔" if item.get("severity") == "block" else "⚠️"
        text = (
            f"{icon} `{escape(str(item.get('code', '')))}` {escape(str(item.get('message', '')))}"
        )
        lines.append(text)
    return lines


def _status_text(view: DraftView) -> str:
    label = STATE_LABELS.get(view.state, view.state)
    if view.regenerating and view.is_open:
        return "🔄 *Regenerating*: the new draft will replace this one here"
    if view.is_open:
        return f"*{label}*"
    icon = STATE_ICONS.get(view.state, "✅" if view.decided_by else "")
    verb = label
    if view.edited and view.state not in ("rejected", "cancelled"):
        verb = f"Edited and {label[0].lower()}{label[1:]}"
    text = f"{icon} *{verb}*"
    if view.decided_by:
        text += f" by {actor_mention(view.decided_by)} {slack_date(view.decided_at)}"
    if view.decision_note:
        text += f"\n_{escape(view.decision_note[:500])}_"
    return text.strip()


def draft_blocks(view: DraftView, *, notice: str | None = None) -> list[Block]:
    """A draft card: buttons while it waits for review, the outcome once decided."""
    blocks: list[Block] = [
        SectionBlock(block_id="draft_head", text=MarkdownTextObject(text=_headline(view)))
    ]
    if view.explanation is not None:
        blocks += explanation_blocks(view.explanation)
    receipt = receipt_lines(view.facts)
    if receipt:
        text = "\n".join(f"• {escape(line)}" for line in receipt)[:SECTION_MAX]
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=text)]))
    if view.subject:
        subject = f"*Subject:* {escape(view.subject)}"[:SECTION_MAX]
        blocks.append(SectionBlock(text=MarkdownTextObject(text=subject)))
    for chunk in split_text(view.body):
        blocks.append(SectionBlock(text=_plain(chunk or " ")))
    findings = _finding_lines(view.findings)
    if findings:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text="\n".join(findings)[:SECTION_MAX])])
        )
    if notice:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=notice[:SECTION_MAX])]))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_status_text(view))]))
    if view.actionable:
        blocks.append(draft_actions(view))
    return blocks


def draft_actions(view: DraftView) -> ActionsBlock:
    """Approve (not for a blocked draft), Edit, Regenerate, Reject; Override when blocked."""
    value = f"{view.draft_id}:{view.version}"
    buttons = []
    if view.state == "pending_review":
        buttons.append(
            ButtonElement(text="Approve", action_id=ActionId.APPROVE, value=value, style="primary")
        )
    buttons += [
        ButtonElement(text="Edit", action_id=ActionId.EDIT, value=value),
        ButtonElement(text="Regenerate", action_id=ActionId.REGENERATE, value=value),
        ButtonElement(text="Reject", action_id=ActionId.REJECT, value=value, style="danger"),
    ]
    if view.state == "needs_attention":
        buttons.append(ButtonElement(text="Override", action_id=ActionId.OVERRIDE, value=value))
    return ActionsBlock(block_id=BlockId.DRAFT_ACTIONS, elements=buttons)


def draft_fallback(view: DraftView) -> str:
    """The notification text sent with a card's blocks."""
    label = STATE_LABELS.get(view.state, view.state)
    text = f"Draft for {view.first_name} ({view.playbook}, {view.channel}): {label}"
    return escape(text[:FALLBACK_MAX])  # notification text is mrkdwn too: no mentions


def parse_button_value(value: str) -> tuple[int, int | None]:
    """`"12:3"` -> (draft 12, version 3); a bare `"12"` has no version."""
    head, _, tail = value.partition(":")
    return int(head), int(tail) if tail else None


COUNT_LABELS = (
    ("pending_review", "Waiting for review"),
    ("needs_attention", "Blocked by guardrails"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
)


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SAMPLE_CHARS else flat[: SAMPLE_CHARS - 1].rstrip() + "…"


def campaign_blocks(view: CampaignView) -> list[Block]:
    """A campaign's parent message: counts, a few samples, and Review by risk."""
    title = f"Campaign: {view.name}"[:150]
    head = [f"playbook *{escape(view.playbook)}*", f"channel *{escape(view.channel)}*"]
    if view.trigger or view.segment:
        head.insert(1, _audience(view.trigger, view.segment))
    fields = [
        MarkdownTextObject(text=f"*{label}*\n{view.counts.get(key, 0):,}")
        for key, label in COUNT_LABELS
    ]
    later = sum(n for key, n in view.counts.items() if key not in dict(COUNT_LABELS))
    if later:
        fields.append(MarkdownTextObject(text=f"*Scheduled or sent*\n{later:,}"))
    blocks: list[Block] = [
        HeaderBlock(text=_plain(title)),
        SectionBlock(text=MarkdownTextObject(text=" · ".join(head)), fields=fields),
    ]
    if view.samples:
        blocks.append(DividerBlock())
        lines = [f"*{escape(name)}*: {escape(_excerpt(text))}" for name, text in view.samples]
        blocks.append(SectionBlock(text=MarkdownTextObject(text="\n".join(lines)[:SECTION_MAX])))
    note = "Every draft is in the thread below. *Review by risk* approves, after a confirmation, "
    note += "the remaining drafts with no guardrail findings whose customers are low risk."
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=note)]))
    if view.counts.get("pending_review", 0):
        button = ButtonElement(
            text="Review by risk", action_id=ActionId.REVIEW_BY_RISK, value=str(view.campaign_id)
        )
        blocks.append(ActionsBlock(block_id=BlockId.CAMPAIGN_ACTIONS, elements=[button]))
    return blocks


def campaign_fallback(view: CampaignView) -> str:
    waiting = view.counts.get("pending_review", 0) + view.counts.get("needs_attention", 0)
    return escape(f"Campaign {view.name}: {waiting:,} drafts to review"[:FALLBACK_MAX])


def metadata(data: Mapping[str, Any]) -> str:
    """A modal's private_metadata (JSON, at most 3,000 characters)."""
    text = json.dumps(dict(data), separators=(",", ":"))
    if len(text) > 3000:
        raise ValueError("private_metadata over 3,000 characters")
    return text


def _modal(
    callback: CallbackId, title: str, blocks: list[Block], meta: str, submit: str | None
) -> View:
    return View(
        type="modal",
        callback_id=callback,
        title=_plain(title),
        submit=_plain(submit) if submit else None,
        close=_plain("Cancel"),
        blocks=blocks,
        private_metadata=meta,
    )


def _context(view: DraftView) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=_headline(view))])


def edit_modal(view: DraftView, meta: str) -> View:
    """The draft's full text to edit; saving re-runs the guardrails and approves it."""
    blocks: list[Block] = [_context(view)]
    receipt = receipt_lines(view.facts)
    if receipt:
        text = "\n".join(f"• {escape(line)}" for line in receipt)[:SECTION_MAX]
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=text)]))
    if len(view.body) > INPUT_MAX or len(view.subject or "") > SUBJECT_MAX:
        text = "This draft is longer than a Slack text box holds; edit it with `assistant review`."
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
        return _modal(CallbackId.EDIT, "Edit draft", blocks, meta, None)
    if view.channel == "email":
        subject = PlainTextInputElement(
            action_id=INPUT_ACTION, initial_value=view.subject or None, max_length=SUBJECT_MAX
        )
        blocks.append(InputBlock(block_id=BlockId.SUBJECT, label="Subject", element=subject))
    body = PlainTextInputElement(
        action_id=INPUT_ACTION,
        initial_value=view.body or None,
        multiline=True,
        max_length=INPUT_MAX,
    )
    blocks.append(InputBlock(block_id=BlockId.BODY, label="Message", element=body))
    hint = "Saving runs the guardrails again; if they pass, the edited draft is approved."
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=hint)]))
    return _modal(CallbackId.EDIT, "Edit draft", blocks, meta, "Save and approve")


def regenerate_modal(view: DraftView, meta: str, *, follows_instructions: bool = True) -> View:
    """Ask for a new draft, with an optional short instruction."""
    element = PlainTextInputElement(
        action_id=INPUT_ACTION,
        max_length=INSTRUCTION_MAX,
        placeholder="e.g. warmer; mention the espresso machine",
    )
    blocks: list[Block] = [
        _context(view),
        InputBlock(
            block_id=BlockId.INSTRUCTION,
            label="Instruction (optional)",
            element=element,
            optional=True,
        ),
    ]
    if not follows_instructions:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=OFFLINE_INSTRUCTION_NOTE)]))
    return _modal(CallbackId.REGENERATE, "Regenerate draft", blocks, meta, "Regenerate")


def reject_modal(view: DraftView, meta: str) -> View:
    """Reject, with an optional reason kept in the audit log."""
    element = PlainTextInputElement(action_id=INPUT_ACTION, multiline=True, max_length=REASON_MAX)
    blocks: list[Block] = [
        _context(view),
        InputBlock(
            block_id=BlockId.REASON, label="Reason (optional)", element=element, optional=True
        ),
    ]
    return _modal(CallbackId.REJECT, "Reject draft", blocks, meta, "Reject")


def risk_modal(campaign: CampaignView, low_risk: int, vip_clv: str, meta: str) -> View:
    """Confirm approving the campaign's low-risk drafts in one go."""
    if low_risk == 0:
        text = (
            f"No draft of *{escape(campaign.name)}* qualifies: every remaining draft has a "
            "guardrail finding or a customer who needs an individual look."
        )
        blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=text))]
        return _modal(CallbackId.REVIEW_BY_RISK, "Review by risk", blocks, meta, None)
    text = (
        f"Approve *{low_risk:,}* draft{'s' if low_risk != 1 else ''} of *{escape(campaign.name)}* "
        "that passed every guardrail with no warning?\n"
        f"Left for individual review: customers with predicted value above {escape(vip_clv)}, "
        "a return in the last 30 days, or an open conversation. "
        "You are recorded as the approver of every draft."
    )
    blocks = [SectionBlock(text=MarkdownTextObject(text=text))]
    return _modal(
        CallbackId.REVIEW_BY_RISK, "Review by risk", blocks, meta, f"Approve {low_risk:,}"
    )


# -- conversations (issue 6) ---------------------------------------------------------------


def conversation_blocks(text: str, conversation_id: int) -> list[Block]:
    """A message in a conversation's thread (`text` already escaped) with a Reply button."""
    button = ButtonElement(text="Reply", action_id=ActionId.REPLY, value=str(conversation_id))
    return [
        SectionBlock(text=MarkdownTextObject(text=text[:SECTION_MAX], verbatim=True)),
        ActionsBlock(block_id=BlockId.CONVERSATION_ACTIONS, elements=[button]),
    ]


def reply_modal(first_name: str, meta: str) -> View:
    """A free reply to the customer; sending runs the guardrails (errors show on the field)."""
    element = PlainTextInputElement(action_id=INPUT_ACTION, multiline=True, max_length=1600)
    note = f"Your reply to *{escape(first_name)}* goes out by SMS once it passes the guardrails."
    blocks: list[Block] = [
        ContextBlock(elements=[MarkdownTextObject(text=note)]),
        InputBlock(block_id=BlockId.BODY, label="Reply", element=element),
    ]
    return _modal(CallbackId.REPLY, "Reply to customer", blocks, meta, "Send")
