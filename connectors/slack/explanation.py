"""The "why and what happens next" part of a draft card, from `review.explain`: pure, no I/O.

Two blocks: a section saying why this customer and why now (the segment rule or trigger and
the qualifying row), and a section of fields with the key metrics, where the message goes,
consent and its source, the guardrails and the send time. Every value is escaped (segment
descriptions, product names and improvement notes come from data), and each text is cut to
Block Kit's limits.
"""

from __future__ import annotations

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock

from assistant.review.explain import DraftExplanation
from connectors.slack.mrkdwn import FIELD_MAX, SECTION_MAX, escape

WHY_BLOCK = "draft_why"
FACTS_BLOCK = "draft_explained"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _field(label: str, value: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=_cut(f"*{label}*\n{escape(value)}", FIELD_MAX))


def why_text(explanation: DraftExplanation) -> str:
    """Why this customer and why now, as escaped mrkdwn within a section's limit."""
    why = explanation.why
    if why.name and why.source in ("segment", "trigger"):
        head = f"*Why:* {why.source} *{escape(why.name)}*"
        head += f": {escape(why.rule)}" if why.rule else ""
    else:
        head = f"*Why:* {escape(why.summary)}"
    lines = [head, *(f"• {escape(line)}" for line in why.qualifying)]
    return _cut("\n".join(lines), SECTION_MAX)


def explanation_blocks(explanation: DraftExplanation) -> list[Block]:
    """The why section and the facts section (7 fields, within the 10 a section may hold)."""
    metrics = explanation.metrics
    fields = [
        _field("Orders", str(metrics.orders) if metrics.orders is not None else "unknown"),
        _field("Lifetime spend", metrics.lifetime_spend or "unknown"),
        _field("Predicted 12-month value", metrics.predicted_12m or "unknown"),
        _field("Last order", str(metrics.last_order_on or "none")),
        _field("Goes to", explanation.destination.summary),
        _field("Consent", explanation.consent.summary),
        _field("Send time", explanation.send.summary),
    ]
    guardrails = _cut(f"*Guardrails:* {escape(explanation.guardrails.summary)}", SECTION_MAX)
    return [
        SectionBlock(block_id=WHY_BLOCK, text=MarkdownTextObject(text=why_text(explanation))),
        SectionBlock(block_id=FACTS_BLOCK, text=MarkdownTextObject(text=guardrails), fields=fields),
    ]
