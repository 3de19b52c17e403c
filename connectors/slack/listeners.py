"""What happens when a reviewer clicks a button or submits a modal.

Every listener acks first (Slack wants an answer within 3 s; Bolt runs the rest after the
answer has gone), then checks the person may act, then runs one unit of work around one
review service call, and only after its commit updates the card. A modal whose answer
depends on the work (an edit blocked by the guardrails comes back as field errors) acks
after that short check instead. Regenerating is the task "review.regenerate", handed to the
task runner (a Celery worker with ASSISTANT_BROKER_URL, else run here after the ack).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from assistant.config import Settings
from assistant.conversations import service as conversation_service
from assistant.db import unit_of_work
from assistant.drafting.guardrails import blocking
from assistant.jobs.runners import TaskRunner, build_runner
from assistant.models import Conversation, Customer, Draft
from assistant.models.base import utcnow
from assistant.review import repository as review_repo
from assistant.review import risk as review_risk
from assistant.review import service as review_service
from assistant.review.actors import Actor
from assistant.review.regeneration import REGENERATE
from connectors.slack import blocks as kit
from connectors.slack import cards
from connectors.slack.actions import ActionId, BlockId, CallbackId
from connectors.slack.auth import Authorizer
from connectors.slack.payloads import ERROR_MAX, Where, field_errors, input_value
from connectors.slack.poster import SlackPoster

logger = logging.getLogger(__name__)

Background = Callable[[Callable[[], Any]], None]
Outcome = review_service.DecisionOutcome
Work = Callable[[Session], Outcome]
REFUSAL = (
    "Only reviewers can act on drafts: ask a workspace admin to add you to the reviewers "
    "(SLACK_ALLOWED_USERS or the SLACK_ALLOWED_USERGROUP group). Nothing changed."
)
GONE = "This draft no longer exists. Nothing changed."
STALE = "This draft has changed since you opened it (it was regenerated); the card shows the new text. Nothing changed."  # noqa: E501


def run_inline(work: Callable[[], Any]) -> None:
    """Run background work now: Bolt already runs listeners after the ack has been sent."""
    work()


class ReviewHandlers:
    """The listeners, with what they need; `register` wires them into a Bolt app."""

    def __init__(
        self,
        poster: SlackPoster,
        authorizer: Authorizer,
        settings: Settings,
        *,
        engine: Engine | None = None,
        background: Background = run_inline,
        runner: TaskRunner | None = None,
    ) -> None:
        self.poster = poster
        self.authorizer = authorizer
        self.settings = settings
        self.engine = engine
        self.background = background
        self.runner = runner or build_runner(settings)

    # -- helpers -----------------------------------------------------------------------------

    def _actor(self, user: str) -> Actor:
        return Actor(f"slack:{user}", self.authorizer.display_name(user))

    def _tell(self, where: Where, text: str) -> None:
        if where.channel:
            self.poster.ephemeral(where.channel, where.user, text, where.thread_ts)

    def _allowed(self, where: Where) -> bool:
        if self.authorizer.allowed(where.user):
            return True
        logger.warning("slack.refused user=%s draft=%s", where.user, where.draft_id)
        self._tell(where, REFUSAL)
        return False

    def _open(self, trigger_id: str | None, view: View) -> None:
        try:
            self.poster.client.views_open(trigger_id=trigger_id or "", view=view)
        except SlackApiError as exc:
            logger.warning("slack.modal_failed error=%s", exc.response.get("error"))

    def _current(self, where: Where) -> kit.DraftView | None:
        with unit_of_work(self.engine) as session:
            return cards.draft_view(session, where.draft_id)

    def _closed_reason(self, view: kit.DraftView | None, where: Where) -> str | None:
        """Why no action can start on the draft now, or None."""
        if view is None:
            return GONE
        if view.regenerating:
            return "This draft is being regenerated; decide on the new text when it appears."
        if not view.is_open:
            label = kit.STATE_LABELS.get(view.state, view.state).lower()
            by = kit.actor_mention(view.decided_by)
            return f"This draft was already {label} by {by} {kit.slack_date(view.decided_at)}."
        if where.version is not None and view.version != where.version:
            return STALE
        return None

    def _stale(self, session: Session, where: Where) -> bool:
        """Locked read: the draft is still open but not the text the reviewer saw."""
        draft = review_repo.lock_draft(session, where.draft_id)
        if draft is None or where.version is None:
            return False
        return draft.state in review_repo.REVIEWABLE and draft.version != where.version

    def _report(self, where: Where, outcome: review_service.DecisionOutcome) -> None:
        """Tell a decider who lost (or was refused) why, and show the card as it is."""
        if outcome.decided_by and outcome.state not in review_repo.REVIEWABLE:
            label = kit.STATE_LABELS.get(outcome.state, outcome.state).lower()
            text = (
                f"This draft was already {label} by {kit.actor_mention(outcome.decided_by)} "
                f"{kit.slack_date(outcome.decided_at)}. Nothing changed."
            )
        else:
            text = kit.escape(outcome.message or "Nothing changed.")
        self._tell(where, text)
        # Nothing changed: the card is shown as it is, the campaign's counts are as they were.
        self.poster.update_draft(where.draft_id, campaign=False)

    def _decide(self, where: Where, work: Work) -> Outcome | str:
        """`work` in one unit of work, unless the draft is gone or not the text the reviewer
        saw; then the sentence to tell them instead."""
        try:
            with unit_of_work(self.engine) as session:
                if self._stale(session, where):
                    return STALE
                return work(session)
        except review_service.DraftNotFound:
            return GONE

    def _settled(self, where: Where, result: Outcome | str, action: str) -> bool:
        """Show the outcome: the card updated, or the reviewer told why not. Whether applied."""
        if isinstance(result, str):
            self._tell(where, result)
            self.poster.update_draft(where.draft_id)
            return False
        if not result.applied:
            self._report(where, result)
            return False
        logger.info("slack.decided draft=%s action=%s", where.draft_id, action)
        self.poster.update_draft(where.draft_id)
        return True

    # -- buttons -----------------------------------------------------------------------------

    def approve(self, ack: Ack, body: dict[str, Any]) -> None:
        """Approve as shown on the card; the first decision wins."""
        ack()
        where = Where.from_click(body)
        if not self._allowed(where):
            return
        actor = self._actor(where.user)
        result = self._decide(
            where,
            lambda session: replied(
                session,
                review_service.decide(session, where.draft_id, action="approve", actor=actor),
            ),
        )
        self._settled(where, result, "approve")

    def _open_modal(
        self,
        ack: Ack,
        body: dict[str, Any],
        build: Callable[[kit.DraftView, str], View],
        refuse: Callable[[kit.DraftView], str | None] | None = None,
    ) -> None:
        """Open `build`'s modal on the clicked draft, unless it is closed or `refuse` says why
        not (told to the clicker instead)."""
        ack()
        where = Where.from_click(body)
        if not self._allowed(where):
            return
        view = self._current(where)
        reason = self._closed_reason(view, where)
        if reason is not None or view is None:
            self._tell(where, reason or "Nothing to do.")
            self.poster.update_draft(where.draft_id)
            return
        refused = refuse(view) if refuse is not None else None
        if refused is not None:
            self._tell(where, refused)
            return
        self._open(body.get("trigger_id"), build(view, where.meta()))

    def open_edit(self, ack: Ack, body: dict[str, Any]) -> None:
        """Edit: a modal with the full text."""
        self._open_modal(ack, body, kit.edit_modal)

    def open_regenerate(self, ack: Ack, body: dict[str, Any]) -> None:
        """Regenerate: a modal for an optional instruction."""
        follows = self.settings.llm.provider != "offline"

        def modal(view: kit.DraftView, meta: str) -> View:
            return kit.regenerate_modal(view, meta, follows_instructions=follows)

        self._open_modal(ack, body, modal)

    def open_reject(self, ack: Ack, body: dict[str, Any]) -> None:
        """Reject: a modal for an optional reason."""
        self._open_modal(ack, body, kit.reject_modal)

    # -- modal submissions -------------------------------------------------------------------

    def submit_edit(self, ack: Ack, body: dict[str, Any]) -> None:
        """Run the guardrails on the edited text: field errors, or approve the edit."""
        where = Where.from_view(body)
        if not self.authorizer.allowed(where.user):
            ack(response_action="errors", errors={BlockId.BODY: REFUSAL[:ERROR_MAX]})
            logger.warning("slack.refused user=%s draft=%s", where.user, where.draft_id)
            return
        text = input_value(body, BlockId.BODY) or ""
        subject = input_value(body, BlockId.SUBJECT)
        has_subject = BlockId.SUBJECT in (
            ((body.get("view") or {}).get("state") or {}).get("values") or {}
        )
        actor = self._actor(where.user)
        result = self._decide(
            where,
            lambda session: replied(
                session,
                review_service.decide(
                    session,
                    where.draft_id,
                    action="edit",
                    actor=actor,
                    body=text,
                    subject=subject if has_subject else None,
                ),
            ),
        )
        if isinstance(result, str):
            ack(response_action="errors", errors={BlockId.BODY: result[:ERROR_MAX]})
            self.poster.update_draft(where.draft_id)
            return
        if (
            not result.applied
            and result.state in review_repo.REVIEWABLE
            and result.decided_by is None
            and blocking(result.findings)
        ):
            ack(response_action="errors", errors=field_errors(result.findings, has_subject))
            return
        ack()
        self._settled(where, result, "edit")

    def submit_reject(self, ack: Ack, body: dict[str, Any]) -> None:
        """Reject with the optional reason."""
        ack()
        where = Where.from_view(body)
        if not self._allowed(where):
            return
        reason = input_value(body, BlockId.REASON)
        actor = self._actor(where.user)
        result = self._decide(
            where,
            lambda session: review_service.decide(
                session, where.draft_id, action="reject", actor=actor, reason=reason
            ),
        )
        self._settled(where, result, "reject")

    def submit_regenerate(self, ack: Ack, body: dict[str, Any]) -> None:
        """Mark the draft as regenerating, show that, then queue the regeneration task."""
        ack()
        where = Where.from_view(body)
        if not self._allowed(where):
            return
        instruction = input_value(body, BlockId.INSTRUCTION)
        actor = self._actor(where.user)
        result = self._decide(
            where,
            lambda session: review_service.request_regeneration(
                session, where.draft_id, actor=actor, instruction=instruction
            ),
        )
        if self._settled(where, result, "regenerate"):  # committed; the card says "Regenerating"
            self.runner.enqueue(
                REGENERATE, draft_id=where.draft_id, instruction=instruction, actor_id=actor.id
            )

    # -- conversations: a staff reply (issue 6) ---------------------------------------------

    def open_reply(self, ack: Ack, body: dict[str, Any]) -> None:
        """Reply (on a conversation's thread message): a modal to type the reply in."""
        ack()
        where, conversation_id = self._conversation_where(body)
        if not self._allowed(where):
            return
        with unit_of_work(self.engine) as session:
            conversation = session.get(Conversation, conversation_id)
            customer = session.get(Customer, conversation.customer_id) if conversation else None
            name = (customer.first_name if customer else None) or "the customer"
        if conversation is None:
            self._tell(where, "This conversation no longer exists. Nothing changed.")
            return
        meta = kit.metadata({"conversation": conversation_id, "c": where.channel})
        self._open(body.get("trigger_id"), kit.reply_modal(name, meta))

    def submit_reply(self, ack: Ack, body: dict[str, Any]) -> None:
        """Send a typed reply: guardrails (blocking findings as field errors), then the outbox."""
        meta = json.loads((body.get("view") or {}).get("private_metadata") or "{}")
        conversation_id = int(meta["conversation"])
        user = str((body.get("user") or {}).get("id", ""))
        if not self.authorizer.allowed(user):
            ack(response_action="errors", errors={BlockId.BODY: REFUSAL[:ERROR_MAX]})
            logger.warning("slack.refused user=%s conversation=%s", user, conversation_id)
            return
        text = input_value(body, BlockId.BODY) or ""
        actor = self._actor(user)
        try:
            with unit_of_work(self.engine) as session:
                result = conversation_service.staff_reply(session, conversation_id, actor, text)
        except conversation_service.ConversationNotFound:
            ack(response_action="errors", errors={BlockId.BODY: "This conversation is gone."})
            return
        if not result.applied:
            errors = field_errors(result.findings, False) or {BlockId.BODY: result.message}
            ack(response_action="errors", errors={k: v[:ERROR_MAX] for k, v in errors.items()})
            return
        ack()
        logger.info("slack.staff_reply conversation=%s draft=%s", conversation_id, result.draft_id)
        # The reply shows in the thread as "Sent: …" once sent (`conversations.send_reply`).
        for old in result.superseded:
            self.poster.update_draft(old)

    def _conversation_where(self, body: Mapping[str, Any]) -> tuple[Where, int]:
        action = (body.get("actions") or [{}])[0]
        container = body.get("container") or {}
        message = body.get("message") or {}
        where = Where(
            user=str((body.get("user") or {}).get("id", "")),
            draft_id=0,
            version=None,
            channel=(body.get("channel") or {}).get("id") or container.get("channel_id"),
            ts=container.get("message_ts"),
            thread_ts=container.get("thread_ts") or message.get("thread_ts"),
        )
        return where, int(str(action.get("value", "0")))

    # -- campaign: review by risk ------------------------------------------------------------

    def _campaign_where(self, body: Mapping[str, Any]) -> tuple[Where, int]:
        action = (body.get("actions") or [{}])[0]
        campaign_id = int(str(action.get("value", "0")))
        container = body.get("container") or {}
        where = Where(
            user=str((body.get("user") or {}).get("id", "")),
            draft_id=0,
            version=None,
            channel=(body.get("channel") or {}).get("id") or container.get("channel_id"),
            ts=container.get("message_ts"),
            thread_ts=None,
        )
        return where, campaign_id

    def open_review_by_risk(self, ack: Ack, body: dict[str, Any]) -> None:
        """How many drafts qualify, in a confirmation modal."""
        ack()
        where, campaign_id = self._campaign_where(body)
        if not self._allowed(where):
            return
        policy = review_risk.RiskPolicy.from_settings(self.settings)
        with unit_of_work(self.engine) as session:
            count = len(review_risk.low_risk_drafts(session, campaign_id, policy))
            campaign = cards.campaign_view(session, campaign_id)
        if campaign is None:
            self._tell(where, "This campaign no longer exists.")
            return
        meta = kit.metadata({"campaign": campaign_id, "c": where.channel, "n": count})
        vip = f"{policy.vip_clv:,.0f} {self.settings.app.default_currency}"
        self._open(body.get("trigger_id"), kit.risk_modal(campaign, count, vip, meta))

    def submit_review_by_risk(self, ack: Ack, body: dict[str, Any]) -> None:
        """Approve the campaign's low-risk drafts, recording the person on each."""
        ack()
        meta = json.loads((body.get("view") or {}).get("private_metadata") or "{}")
        campaign_id = int(meta["campaign"])
        user = str((body.get("user") or {}).get("id", ""))
        where = Where(user, 0, None, meta.get("c"), None, None)
        if not self._allowed(where):
            return
        actor = self._actor(user)
        policy = review_risk.RiskPolicy.from_settings(self.settings)
        now = utcnow()
        with unit_of_work(self.engine) as session:
            count = review_service.approve_low_risk(session, campaign_id, actor, policy, now=now)
            approved = approved_at(session, campaign_id, actor.id, now)
        logger.info("slack.approved_by_risk campaign=%s drafts=%s", campaign_id, count)
        self._tell(where, f"Approved {count:,} low-risk draft{'s' if count != 1 else ''}.")
        poster = self.poster
        self.background(lambda: poster.update_drafts(approved))
        if not approved:
            poster.refresh_campaign(campaign_id)


def replied(session: Session, outcome: Outcome) -> Outcome:
    """After an applied approval of a conversation reply: send it once this unit of work
    commits (`send_after_commit`), instead of waiting for the worker's tick. The sent text
    then shows in the thread (`conversations.send_reply` posts it)."""
    if outcome.applied:
        conversation_service.send_after_commit(session, [outcome.draft_id])
    return outcome


def approved_at(session: Session, campaign_id: int, actor: str, now: Any) -> list[int]:
    """The drafts one bulk approval decided (same actor, same instant)."""
    rows = session.execute(
        select(Draft.id).where(
            Draft.campaign_id == campaign_id, Draft.decided_by == actor, Draft.decided_at == now
        )
    ).scalars()
    return [int(i) for i in rows]


def register(app: App, handlers: ReviewHandlers) -> None:
    """Wire every listener into `app`."""
    app.action(ActionId.APPROVE.value)(handlers.approve)
    app.action(ActionId.EDIT.value)(handlers.open_edit)
    app.action(ActionId.REGENERATE.value)(handlers.open_regenerate)
    app.action(ActionId.REJECT.value)(handlers.open_reject)
    app.action(ActionId.REVIEW_BY_RISK.value)(handlers.open_review_by_risk)
    app.view(CallbackId.EDIT.value)(handlers.submit_edit)
    app.view(CallbackId.REGENERATE.value)(handlers.submit_regenerate)
    app.view(CallbackId.REJECT.value)(handlers.submit_reject)
    app.view(CallbackId.REVIEW_BY_RISK.value)(handlers.submit_review_by_risk)
    app.action(ActionId.REPLY.value)(handlers.open_reply)
    app.view(CallbackId.REPLY.value)(handlers.submit_reply)
