"""The `slack` ReviewChannel: posts draft cards and campaign parents, and keeps them current.

Posting is exactly-once by construction (see `ledger`): claim, post, record. It keeps to
about one message per second per channel and waits out a 429's `Retry-After` (see
`transport`); a draft whose card certainly failed to post stays pending with no claim, so
`retry_unposted` (the worker's periodic sweep) posts it later; one whose post lost its
answer is looked for in Slack (by the metadata every card carries) before it is posted again.

Every method takes ids and opens its own units of work; call them after the caller's
commit, in the background (a campaign of 500 drafts takes about 500 s to post).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from slack_sdk import WebClient
from slack_sdk.web import SlackResponse
from sqlalchemy import Engine, Select, select
from sqlalchemy.orm import Session

from assistant.conversations import repository as conversation_repo
from assistant.conversations.opt_outs import POSSIBLE_OPT_OUT_NOTE, flag_of
from assistant.db import unit_of_work
from assistant.models import Campaign, Conversation, Customer, Draft, Message
from assistant.models.base import utcnow
from connectors.slack import blocks as kit
from connectors.slack import cards, ledger
from connectors.slack.actions import CAMPAIGN_EVENT, DRAFT_EVENT, INBOUND_EVENT
from connectors.slack.transport import NotPosted, Pacer, Transport, Uncertain

logger = logging.getLogger(__name__)

# Longer than a post can take (client timeout + Retry-After waits): an older claim was lost.
CLAIM_TTL = timedelta(minutes=5)
SWEEP_LIMIT = 100
HISTORY_PAGES = 5


class PostOutcome(StrEnum):
    """What one attempt to post a card did."""

    POSTED = "posted"
    SKIPPED = "skipped"  # already posted, claimed by another poster, or no longer open
    FAILED = "failed"  # certainly not posted; the claim is released for a later retry
    UNCERTAIN = "uncertain"  # maybe posted; the claim stays until the sweep looks in Slack


class SlackPoster:
    """Draft cards and campaign parents in `channel` (the ReviewChannel port's `slack`)."""

    name = "slack"

    def __init__(
        self,
        client: WebClient,
        channel: str,
        *,
        engine: Engine | None = None,
        pacer: Pacer | None = None,
        claim_ttl: timedelta = CLAIM_TTL,
    ) -> None:
        self.transport = Transport(client, pacer=pacer)
        self.client = client
        self.channel = channel
        self.engine = engine
        self.claim_ttl = claim_ttl

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with unit_of_work(self.engine) as session:
            yield session

    def call(self, method: str, channel: str, **kwargs: Any) -> SlackResponse:
        """One Web API call (see `Transport.call`)."""
        return self.transport.call(method, channel, **kwargs)

    def _update(self, channel: str, ts: str, text: str, blocks: list[Any]) -> bool:
        return self.transport.update(channel, ts, text, blocks)

    def ephemeral(self, channel: str, user: str, text: str, thread_ts: str | None = None) -> bool:
        """Tell one person something only they see."""
        return self.transport.ephemeral(channel, user, text, thread_ts)

    # -- campaign parent ---------------------------------------------------------------------

    def _parent(self, campaign_id: int) -> tuple[str, str] | None:
        """The campaign's parent message, posted now if needed; None if not (yet) posted."""
        now = utcnow()
        with self._session() as session:
            campaign = session.get(Campaign, campaign_id)
            if campaign is None:
                return None
            if campaign.slack_ts and campaign.slack_channel:
                return campaign.slack_channel, campaign.slack_ts
            if not ledger.claim_campaign(session, campaign_id, self.channel, now):
                return None
            view = cards.campaign_view(session, campaign_id)
        assert view is not None
        meta = {"event_type": CAMPAIGN_EVENT, "event_payload": {"campaign_id": campaign_id}}
        try:
            response = self.call(
                "chat_postMessage",
                self.channel,
                text=kit.campaign_fallback(view),
                blocks=kit.campaign_blocks(view),
                metadata=meta,
            )
        except NotPosted as exc:
            with self._session() as session:
                ledger.release_campaign(session, campaign_id, now)
            logger.warning("slack.post_failed campaign=%s error=%s", campaign_id, exc)
            return None
        except Uncertain as exc:
            logger.warning("slack.post_uncertain campaign=%s error=%s", campaign_id, exc)
            return None
        channel, ts = str(response["channel"]), str(response["ts"])
        with self._session() as session:
            ledger.record_campaign(session, campaign_id, now, channel, ts)
        logger.info("slack.posted campaign=%s", campaign_id)
        return channel, ts

    def refresh_campaign(self, campaign_id: int) -> None:
        """Show a posted parent's current counts."""
        with self._session() as session:
            campaign = session.get(Campaign, campaign_id)
            if campaign is None or not (campaign.slack_ts and campaign.slack_channel):
                return
            where = (campaign.slack_channel, campaign.slack_ts)
            view = cards.campaign_view(session, campaign_id)
        if view is not None:
            self._update(*where, kit.campaign_fallback(view), kit.campaign_blocks(view))

    def post_campaign(self, campaign_id: int) -> None:
        """The parent message (posted once, else refreshed), then each open draft in its thread."""
        with self._session() as session:
            campaign = session.get(Campaign, campaign_id)
            posted_before = campaign is not None and campaign.slack_ts is not None
        if self._parent(campaign_id) is None:
            return
        if posted_before:
            self.refresh_campaign(campaign_id)
        while True:
            with self._session() as session:
                batch = ledger.unposted_drafts(session, campaign_id=campaign_id, limit=SWEEP_LIMIT)
            if not batch:
                return
            for draft_id in batch:
                if self._post_draft(draft_id) in (PostOutcome.FAILED, PostOutcome.UNCERTAIN):
                    return  # Slack is not answering: the sweep retries the rest later

    # -- draft cards -------------------------------------------------------------------------

    def post_draft(self, draft_id: int) -> None:
        """Post an open draft's card once (threaded under its campaign's parent message)."""
        self._post_draft(draft_id)

    def _post_draft(self, draft_id: int) -> PostOutcome:
        with self._session() as session:
            draft = session.get(Draft, draft_id)
            if draft is None or draft.slack_ts or draft.slack_claimed_at:
                return PostOutcome.SKIPPED
            if draft.state not in ledger.OPEN_STATES:
                return PostOutcome.SKIPPED
            campaign_id, conversation_id = draft.campaign_id, draft.conversation_id
            # A suggested or staff reply goes into its conversation's thread, where staff talk.
            thread = _conversation_thread(session, draft)
        if conversation_id is not None:
            thread = thread or self._conversation_root(conversation_id)
            if thread is None:
                return PostOutcome.FAILED
        elif campaign_id is not None:
            thread = self._parent(campaign_id)
            if thread is None:
                return PostOutcome.FAILED
        channel = thread[0] if thread else self.channel
        now = utcnow()
        with self._session() as session:
            if not ledger.claim_draft(session, draft_id, channel, now):
                return PostOutcome.SKIPPED
            view = cards.draft_view(session, draft_id)
        assert view is not None
        return self._send_draft(view, channel, thread[1] if thread else None, now)

    def _send_draft(
        self, view: kit.DraftView, channel: str, thread_ts: str | None, claimed_at: datetime
    ) -> PostOutcome:
        meta = {"event_type": DRAFT_EVENT, "event_payload": {"draft_id": view.draft_id}}
        extra: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
        try:
            response = self.call(
                "chat_postMessage",
                channel,
                text=kit.draft_fallback(view),
                blocks=kit.draft_blocks(view),
                metadata=meta,
                unfurl_links=False,
                unfurl_media=False,
                **extra,
            )
        except NotPosted as exc:
            with self._session() as session:
                ledger.release_draft(session, view.draft_id, claimed_at)
            logger.warning("slack.post_failed draft=%s error=%s", view.draft_id, exc)
            return PostOutcome.FAILED
        except Uncertain as exc:
            logger.warning("slack.post_uncertain draft=%s error=%s", view.draft_id, exc)
            return PostOutcome.UNCERTAIN
        channel, ts = str(response["channel"]), str(response["ts"])
        self._recorded(view.draft_id, claimed_at, channel, ts, view)
        return PostOutcome.POSTED

    def _recorded(
        self,
        draft_id: int,
        claimed_at: datetime,
        channel: str,
        ts: str,
        shown: kit.DraftView | None,
    ) -> None:
        """Record the posted card; refresh it if the draft changed since `shown` (None: the
        card's content is unknown, so refresh it anyway)."""
        with self._session() as session:
            recorded = ledger.record_draft(session, draft_id, claimed_at, channel, ts)
            current = cards.draft_view(session, draft_id)
        if not recorded:
            logger.warning("slack.claim_lost draft=%s", draft_id)
            return
        logger.info("slack.posted draft=%s", draft_id)
        if current is not None and current != shown:
            # Decided or rewritten while the post was on its way: show what is true now.
            self._update(channel, ts, kit.draft_fallback(current), kit.draft_blocks(current))

    def update_draft(self, draft_id: int, *, campaign: bool = True) -> None:
        """Show the draft as it is now (decision, new text); post it if it has no card yet;
        with `campaign`, also its campaign's counts (not after a click that changed nothing)."""
        with self._session() as session:
            draft = session.get(Draft, draft_id)
            if draft is None:
                return
            where = (draft.slack_channel, draft.slack_ts)
            claimed, campaign_id = draft.slack_claimed_at, draft.campaign_id
            view = cards.draft_view(session, draft_id)
        if view is None:
            return
        channel, ts = where
        if channel and ts:
            self._update(channel, ts, kit.draft_fallback(view), kit.draft_blocks(view))
        elif claimed is None and view.is_open:
            self._post_draft(draft_id)
        # A claimed card being posted right now shows the latest state once recorded.
        if campaign and campaign_id is not None:
            self.refresh_campaign(campaign_id)

    def update_drafts(self, draft_ids: list[int]) -> None:
        """Show many drafts' new states (after a bulk approval)."""
        campaigns: set[int] = set()
        for draft_id in draft_ids:
            with self._session() as session:
                draft = session.get(Draft, draft_id)
                if draft is None or not (draft.slack_ts and draft.slack_channel):
                    continue
                where = (draft.slack_channel, draft.slack_ts)
                if draft.campaign_id is not None:
                    campaigns.add(draft.campaign_id)
                view = cards.draft_view(session, draft_id)
            if view is not None:
                self._update(*where, kit.draft_fallback(view), kit.draft_blocks(view))
        for campaign_id in campaigns:
            self.refresh_campaign(campaign_id)

    # -- retries -----------------------------------------------------------------------------

    def retry_unposted(self, limit: int = SWEEP_LIMIT) -> int:
        """The periodic sweep: settle stale claims, then post open drafts without a card.

        Returns how many cards were posted (or found already posted in Slack).
        """
        done = self._settle_stale(limit)
        with self._session() as session:
            batch = ledger.unposted_drafts(session, limit=limit)
        for draft_id in batch:
            outcome = self._post_draft(draft_id)
            if outcome is PostOutcome.POSTED:
                done += 1
            elif outcome in (PostOutcome.FAILED, PostOutcome.UNCERTAIN):
                break
        return done

    def _settle_stale(self, limit: int) -> int:
        now = utcnow()
        with self._session() as session:
            campaigns = ledger.stale_claims(session, Campaign, now - self.claim_ttl, limit)
            drafts = ledger.stale_claims(session, Draft, now - self.claim_ttl, limit)
        settled = 0
        for campaign_id, old, channel in campaigns:
            settled += self._settle_campaign(campaign_id, old, channel or self.channel)
        for draft_id, old, channel in drafts:
            settled += self._settle_draft(draft_id, old, channel or self.channel)
        return settled

    def _find(
        self, channel: str, event: str, key: str, value: int, thread: str | None
    ) -> str | None:
        """The ts of our message carrying `{key: value}` metadata, if Slack has it."""
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            args: dict[str, Any] = {"include_all_metadata": True, "limit": 200}
            if cursor:
                args["cursor"] = cursor
            method = "conversations_history"
            if thread:
                method, args["ts"] = "conversations_replies", thread
            response = self.call(method, channel, **args)
            for message in response.get("messages") or []:
                meta = message.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") == event and payload.get(key) == value:
                    return str(message["ts"])
            cursor = ((response.get("response_metadata") or {}).get("next_cursor")) or None
            if not cursor:
                return None
        return None

    def _settle_campaign(self, campaign_id: int, old: datetime, channel: str) -> int:
        now = utcnow()
        with self._session() as session:
            if not ledger.retake_campaign(session, campaign_id, old, now):
                return 0
        try:
            ts = self._find(channel, CAMPAIGN_EVENT, "campaign_id", campaign_id, None)
        except (NotPosted, Uncertain) as exc:
            logger.warning("slack.reconcile_failed campaign=%s error=%s", campaign_id, exc)
            return 0
        with self._session() as session:
            if ts is not None:
                ledger.record_campaign(session, campaign_id, now, channel, ts)
            else:
                ledger.release_campaign(session, campaign_id, now)
        logger.info("slack.reconciled campaign=%s found=%s", campaign_id, ts is not None)
        return 1 if ts is not None else 0

    def _settle_draft(self, draft_id: int, old: datetime, channel: str) -> int:
        now = utcnow()
        with self._session() as session:
            if not ledger.retake_draft(session, draft_id, old, now):
                return 0
            draft = session.get(Draft, draft_id)
            in_campaign = draft is not None and (
                draft.campaign_id is not None or draft.conversation_id is not None
            )
            thread = _card_thread(session, draft) if draft is not None else None
            view = cards.draft_view(session, draft_id)
        if view is None or (in_campaign and thread is None):
            with self._session() as session:
                ledger.release_draft(session, draft_id, now)
            return 0
        try:
            ts = self._find(
                channel, DRAFT_EVENT, "draft_id", draft_id, thread[1] if thread else None
            )
        except (NotPosted, Uncertain) as exc:
            logger.warning("slack.reconcile_failed draft=%s error=%s", draft_id, exc)
            return 0
        if ts is not None:
            logger.info("slack.reconciled draft=%s found=True", draft_id)
            self._recorded(draft_id, now, channel, ts, None)
            return 1
        if not view.is_open:
            with self._session() as session:
                ledger.release_draft(session, draft_id, now)
            return 0
        logger.info("slack.reconciled draft=%s found=False", draft_id)
        thread_ts = thread[1] if thread else None
        return 1 if self._send_draft(view, channel, thread_ts, now) is PostOutcome.POSTED else 0

    # -- conversations (issue 6) -------------------------------------------------------------

    def post_conversation_message(self, message_id: int) -> None:
        """Show a message in its conversation's thread (started if needed), with a Reply button.

        A customer's message is shown as `Name: text`; one of ours (a reply the sender has
        sent, see `conversations.send_reply`) as `Sent: text`. Safe to run twice: a message
        already in the thread (found by its metadata) is not posted again. Texts are
        escaped: a customer can never mention or link.
        """
        with self._session() as session:
            row = session.execute(_conversation_query(message_id)).one_or_none()
            if row is None:
                return
            message, conversation, first_name = row
            channel, thread_ts = conversation.slack_channel, conversation.slack_thread_ts
            body, conversation_id = message.body, conversation.id
            label = "Sent" if message.direction == "outbound" else (first_name or "Customer")
            flag = flag_of(message.direction, message.kind, message.body)
        if not (channel and thread_ts):
            started = self._conversation_root(conversation_id)
            if started is None:
                return
            channel, thread_ts = started
        else:
            try:
                if self._find(channel, INBOUND_EVENT, "message_id", message_id, thread_ts):
                    return
            except (NotPosted, Uncertain):
                pass  # cannot tell; Slack is likely down and the post below fails too
        meta = {"event_type": INBOUND_EVENT, "event_payload": {"message_id": message_id}}
        text = kit.escape(f"{label}: {body}"[: kit.SECTION_MAX])
        if flag is not None:
            text = f":warning: {POSSIBLE_OPT_OUT_NOTE}\n{text}"[: kit.SECTION_MAX]
        try:
            self.call(
                "chat_postMessage",
                channel,
                text=text,
                blocks=kit.conversation_blocks(text, conversation_id),
                thread_ts=thread_ts,
                metadata=meta,
            )
        except (NotPosted, Uncertain) as exc:
            logger.warning("slack.post_failed message=%s error=%s", message_id, exc)

    def _conversation_root(self, conversation_id: int) -> tuple[str, str] | None:
        """The conversation's thread, started now (naming the customer) if it has none."""
        with self._session() as session:
            conversation = session.get(Conversation, conversation_id)
            if conversation is None:
                return None
            if conversation.slack_channel and conversation.slack_thread_ts:
                return conversation.slack_channel, conversation.slack_thread_ts
            title = _thread_title(session, conversation)
        return self._start_thread(conversation_id, title)

    def _start_thread(self, conversation_id: int, title: str) -> tuple[str, str] | None:
        meta = {"event_type": INBOUND_EVENT, "event_payload": {"conversation_id": conversation_id}}
        try:
            root = self.call(
                "chat_postMessage",
                self.channel,
                text=title,
                blocks=kit.conversation_blocks(title, conversation_id),
                metadata=meta,
            )
        except (NotPosted, Uncertain) as exc:
            logger.warning("slack.post_failed conversation=%s error=%s", conversation_id, exc)
            return None
        channel, ts = str(root["channel"]), str(root["ts"])
        with self._session() as session:
            stored = session.get(Conversation, conversation_id)
            if stored is not None and stored.slack_thread_ts is None:
                stored.slack_channel, stored.slack_thread_ts = channel, ts
            elif stored is not None and stored.slack_channel and stored.slack_thread_ts:
                channel, ts = stored.slack_channel, stored.slack_thread_ts  # someone was first
        return channel, ts


def masked_phone(phone: str | None) -> str:
    """The last four digits only, e.g. `•••• 4321` (enough for staff to tell numbers apart)."""
    digits = re.sub(r"\D", "", phone or "")
    return f"•••• {digits[-4:]}" if len(digits) >= 4 else "no number"


def _thread_title(session: Session, conversation: Conversation) -> str:
    """A new thread's parent (escaped): the customer, and the outreach they answer, quoted."""
    customer = session.get(Customer, conversation.customer_id)
    name = (customer.first_name if customer else None) or "Customer"
    phone = masked_phone(customer.phone if customer else None)
    head = f"*Conversation with {kit.escape(name)}* ({phone}) · {conversation.channel.upper()}"
    first = conversation_repo.first_message(session, conversation.id)
    if first is None or first.direction != "outbound":
        return f"{head}\nNo outreach of ours to answer: the customer wrote first."
    quoted = "\n".join(f"> {kit.escape(line)}" for line in (first.body or "").splitlines())
    return f"{head}\nAnswering our message:\n{quoted or '> (empty)'}"


def _conversation_thread(session: Session, draft: Draft) -> tuple[str, str] | None:
    if draft.conversation_id is None:
        return None
    conversation = session.get(Conversation, draft.conversation_id)
    if conversation is None or not (conversation.slack_channel and conversation.slack_thread_ts):
        return None
    return conversation.slack_channel, conversation.slack_thread_ts


def _card_thread(session: Session, draft: Draft) -> tuple[str, str] | None:
    """The thread a draft's card goes in: its conversation's, else its campaign's parent."""
    if draft.conversation_id is not None or draft.campaign_id is None:
        return _conversation_thread(session, draft)
    campaign = session.get(Campaign, draft.campaign_id)
    if campaign is None or not (campaign.slack_channel and campaign.slack_ts):
        return None
    return campaign.slack_channel, campaign.slack_ts


def _conversation_query(message_id: int) -> Select[Message, Conversation, str | None]:
    return (
        select(Message, Conversation, Customer.first_name)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(Customer, Customer.id == Message.customer_id)
        .where(Message.id == message_id)
    )
