"""Override on a blocked card: a modal asks for the reason, the review service decides.

The button shows only on a card blocked by the guardrails. A draft with a finding no one may
override (`assistant.review.overrides.NEVER_OVERRIDABLE`) gets the reason at once instead of
the modal; a refusal on submission (no reason, decided meanwhile) shows on the reason field.
After an override the card waits for review again, with Approve.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from slack_bolt import Ack, App
from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
)
from slack_sdk.models.views import View

from assistant.review import repository as review_repo
from assistant.review import service as review_service
from connectors.slack import blocks as kit
from connectors.slack.actions import INPUT_ACTION, ActionId, BlockId, CallbackId
from connectors.slack.listeners import REFUSAL, ReviewHandlers, logger
from connectors.slack.payloads import ERROR_MAX, Where, input_value

HINT = (
    "You take responsibility for sending it despite these findings. Your name, the findings "
    "and your reason go into the audit log; the draft then waits for approval as usual."
)


def blocking_codes(findings: Sequence[Any]) -> list[str]:
    """The codes of the card's blocking findings, in order."""
    return [
        str(item.get("code", ""))
        for item in findings
        if isinstance(item, Mapping) and item.get("severity") == "block"
    ]


def refusal(codes: Sequence[str]) -> str | None:
    """Why the draft's findings cannot be overridden at all, or None when they can."""
    never = [code for code in codes if not review_service.overridable(code)]
    if not never:
        return None
    why = "; ".join(f"`{code}`: {review_service.NEVER_OVERRIDABLE[code]}" for code in never)
    return f"This draft cannot be overridden ({kit.escape(why)}). Nothing changed."


def override_modal(view: kit.DraftView, meta: str) -> View:
    """The blocking findings and a required reason."""
    lines = [
        f"⛔ `{kit.escape(str(item.get('code', '')))}` {kit.escape(str(item.get('message', '')))}"
        for item in view.findings
        if item.get("severity") == "block"
    ]
    element = PlainTextInputElement(
        action_id=INPUT_ACTION,
        multiline=True,
        max_length=kit.REASON_MAX,
        placeholder="e.g. “House Blend” is the product's name, not the customer's house",
    )
    blocks: list[Block] = [
        ContextBlock(elements=[MarkdownTextObject(text=kit._headline(view))]),
        ContextBlock(elements=[MarkdownTextObject(text="\n".join(lines)[: kit.SECTION_MAX])]),
        InputBlock(block_id=BlockId.REASON, label="Reason for the override", element=element),
        ContextBlock(elements=[MarkdownTextObject(text=HINT)]),
    ]
    return kit._modal(CallbackId.OVERRIDE, "Override guardrails", blocks, meta, "Override")


class OverrideHandlers:
    """The Override button and its modal, on top of the review listeners' helpers."""

    def __init__(self, review: ReviewHandlers) -> None:
        self.review = review

    def open_override(self, ack: Ack, body: dict[str, Any]) -> None:
        """The reason modal, or at once why the draft cannot be overridden."""
        self.review._open_modal(
            ack,
            body,
            override_modal,
            refuse=lambda view: refusal(blocking_codes(list(view.findings))),
        )

    def submit_override(self, ack: Ack, body: dict[str, Any]) -> None:
        """Override with the reason: the card waits for approval, or the field says why not."""
        review = self.review
        where = Where.from_view(body)
        if not review.authorizer.allowed(where.user):
            ack(response_action="errors", errors={BlockId.REASON: REFUSAL[:ERROR_MAX]})
            logger.warning("slack.refused user=%s draft=%s", where.user, where.draft_id)
            return
        reason = input_value(body, BlockId.REASON)
        actor = review._actor(where.user)
        result = review._decide(
            where,
            lambda session: review_service.override(
                session, where.draft_id, actor=actor, reason=reason
            ),
        )
        if isinstance(result, str):
            ack(response_action="errors", errors={BlockId.REASON: result[:ERROR_MAX]})
            review.poster.update_draft(where.draft_id)
            return
        if (
            not result.applied
            and result.state == review_repo.NEEDS_ATTENTION
            and result.decided_by is None
        ):
            ack(response_action="errors", errors={BlockId.REASON: result.message[:ERROR_MAX]})
            return
        ack()
        review._settled(where, result, "override")


def register(app: App, review: ReviewHandlers) -> None:
    """Wire the Override button and modal into `app`."""
    handlers = OverrideHandlers(review)
    app.action(ActionId.OVERRIDE.value)(handlers.open_override)
    app.view(CallbackId.OVERRIDE.value)(handlers.submit_override)
