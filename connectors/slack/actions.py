"""Every Slack id the review app sends and listens for, in one place.

Action ids are on buttons, callback ids on modals, block ids name the inputs of a modal
(a `response_action: errors` answer is keyed by them). Renaming one breaks cards already
posted, so add new ids rather than change these.
"""

from __future__ import annotations

from enum import StrEnum


class ActionId(StrEnum):
    """Buttons on draft cards and campaign parent messages."""

    APPROVE = "draft_approve"
    EDIT = "draft_edit"
    REGENERATE = "draft_regenerate"
    REJECT = "draft_reject"
    OVERRIDE = "draft_override"  # on a card blocked by the guardrails
    REVIEW_BY_RISK = "campaign_review_by_risk"
    REPLY = "conversation_reply"  # on a conversation's thread messages (issue 6)


class CallbackId(StrEnum):
    """Modals; their submissions come back with this `callback_id`."""

    EDIT = "draft_edit_modal"
    REGENERATE = "draft_regenerate_modal"
    REJECT = "draft_reject_modal"
    OVERRIDE = "draft_override_modal"
    REVIEW_BY_RISK = "campaign_review_by_risk_modal"
    REPLY = "conversation_reply_modal"


class BlockId(StrEnum):
    """Blocks addressed by id: modal inputs and the card's button row."""

    SUBJECT = "subject"
    BODY = "body"
    INSTRUCTION = "instruction"
    REASON = "reason"
    DRAFT_ACTIONS = "draft_actions"
    CAMPAIGN_ACTIONS = "campaign_actions"
    CONVERSATION_ACTIONS = "conversation_actions"


# The action id of the single element inside each input block.
INPUT_ACTION = "value"

# chat.postMessage metadata: lets a post whose answer was lost be found again.
DRAFT_EVENT = "assistant_draft_card"
CAMPAIGN_EVENT = "assistant_campaign"
INBOUND_EVENT = "assistant_inbound_message"
