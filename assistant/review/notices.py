"""The review channel of background work when staff review at the terminal (ASSISTANT_REVIEW=
terminal): a log line naming the id, never the card.

The web service and the worker run the tasks that show new drafts and messages; printing the
cards there put customers' texts, names and conversations in the service's log. Staff read
them with `assistant review` and `assistant conversations show`, from the database.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


class NoticeReviewChannel:
    """ReviewChannel that says, by id, that something awaits review at the terminal."""

    def post_draft(self, draft_id: int) -> None:
        """A draft awaits review (`assistant review`)."""
        log.info("review.draft_ready draft=%s", draft_id)

    def update_draft(self, draft_id: int) -> None:
        """A draft changed (decided, cancelled, superseded or rewritten)."""
        log.info("review.draft_updated draft=%s", draft_id)

    def post_campaign(self, campaign_id: int) -> None:
        """A campaign's drafts await review."""
        log.info("review.campaign_ready campaign=%s", campaign_id)

    def post_conversation_message(self, message_id: int) -> None:
        """A conversation has a new message (`assistant conversations show`)."""
        log.info("review.conversation_message message=%s", message_id)
