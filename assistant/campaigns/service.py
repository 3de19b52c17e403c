"""Campaign control: list, show, pause, resume and cancel, for the CLI and the API alike.

- **pause**: no more drafting (a run stops at its next step), and the campaign's scheduled
  messages are held: the sender leaves them until the campaign is resumed.
- **resume**: drafting may continue (members still pending are drafted by the next run) and
  held messages are due again; every delivery rule is checked again when each one is sent.
- **cancel**: the campaign is cancelled for good: no more drafting, members not drafted are
  skipped `cancelled`, scheduled messages and drafts not yet sent (pending review, needs
  attention, approved) are cancelled with the reason; what was sent stays as it is. Cancelling
  again changes nothing.

Each call locks the campaign row first, so it is serialised with a run's writes and with
another person's call. Services flush; the caller's unit of work commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from assistant.campaigns import repository as repo
from assistant.drafting import campaigns as drafting
from assistant.drafting import repository as drafting_repo
from assistant.models import Campaign, DraftState
from assistant.models.base import utcnow
from assistant.models.campaign import CampaignStatus
from assistant.values import plain

PAUSED, CANCELLED = CampaignStatus.PAUSED.value, CampaignStatus.CANCELLED.value
CampaignNotFound = drafting.CampaignNotFound


class InvalidTransition(drafting.CampaignError):
    """The campaign cannot go where asked from where it is (e.g. resume a cancelled one)."""


def not_found_message(campaign_id: int) -> str:
    """The one line for an unknown campaign id."""
    return f"no campaign {campaign_id} (see `assistant campaigns list`)"


@dataclass(frozen=True)
class ControlOutcome:
    """What a pause, resume or cancel did."""

    campaign_id: int
    status: str
    changed: bool
    messages: int = 0  # held (pause), released (resume) or cancelled (cancel)
    drafts: int = 0  # cancelled drafts
    members: int = 0  # members skipped by a cancel
    sent: int = 0  # messages that had gone out already (a cancel leaves them)
    pending: int = 0  # members still to draft after a resume
    details: dict[str, Any] = field(default_factory=dict)


def _locked(session: Session, campaign_id: int) -> Campaign:
    campaign = repo.lock(session, campaign_id)
    if campaign is None:
        raise CampaignNotFound(not_found_message(campaign_id))
    return campaign


def _note(campaign: Campaign, key: str, value: dict[str, Any]) -> None:
    campaign.options = {**(campaign.options or {}), key: value}


def pause(session: Session, campaign_id: int, *, actor: str) -> ControlOutcome:
    """Stop drafting and hold the campaign's scheduled messages; pausing twice is a no-op."""
    campaign = _locked(session, campaign_id)
    if campaign.status == CANCELLED:
        raise InvalidTransition(f"campaign {campaign_id} is cancelled; it cannot be paused")
    if campaign.status == PAUSED:
        return ControlOutcome(campaign_id, PAUSED, changed=False)
    now, before = utcnow(), campaign.status
    _note(campaign, "paused", {"from": before, "by": actor, "at": plain(now)})
    campaign.status = PAUSED
    campaign.updated_at = now
    held = repo.hold_messages(session, campaign_id, now)
    repo.log_transition(session, campaign_id, actor, "campaign.paused", PAUSED, before)
    session.flush()
    return ControlOutcome(campaign_id, PAUSED, changed=True, messages=held)


def _status_after_pause(before: str, counts: drafting_repo.Counts) -> str:
    """Where a resumed campaign stands: as before, or `interrupted` if a run was cut off."""
    if before != CampaignStatus.RUNNING:
        return before
    if counts.pending:
        return CampaignStatus.INTERRUPTED.value
    return (CampaignStatus.FAILED if counts.failed else CampaignStatus.COMPLETED).value


def resume(session: Session, campaign_id: int, *, actor: str) -> ControlOutcome:
    """Let a paused campaign be drafted again and release its held messages."""
    campaign = _locked(session, campaign_id)
    if campaign.status == CANCELLED:
        raise InvalidTransition(
            f"campaign {campaign_id} is cancelled; a cancelled campaign cannot be resumed"
        )
    if campaign.status != PAUSED:
        raise InvalidTransition(
            f"campaign {campaign_id} is not paused (it is {campaign.status}); nothing to resume"
        )
    now = utcnow()
    counts = drafting_repo.counts(session, campaign_id)
    before = str((campaign.options or {}).get("paused", {}).get("from") or "created")
    campaign.status = _status_after_pause(before, counts)
    campaign.updated_at = now
    _note(campaign, "resumed", {"by": actor, "at": plain(now)})
    released = repo.release_messages(session, campaign_id, now)
    repo.log_transition(session, campaign_id, actor, "campaign.resumed", campaign.status, PAUSED)
    session.flush()
    return ControlOutcome(
        campaign_id, campaign.status, changed=True, messages=released, pending=counts.pending
    )


def cancel(
    session: Session, campaign_id: int, *, actor: str, reason: str | None = None
) -> ControlOutcome:
    """Cancel the campaign and everything of it not yet sent; idempotent."""
    campaign = _locked(session, campaign_id)
    reason = (reason or "").strip()[:500] or None
    now = utcnow()
    changed = campaign.status != CANCELLED
    if changed:
        before = campaign.status
        _note(
            campaign, "cancelled", {"from": before, "by": actor, "at": plain(now), "reason": reason}
        )
        campaign.status = CANCELLED
        campaign.updated_at = now
        repo.log_transition(session, campaign_id, actor, "campaign.cancelled", CANCELLED, before)
    else:
        reason = (campaign.options or {}).get("cancelled", {}).get("reason") or reason
    members = repo.skip_pending_members(session, campaign_id)
    messages, scheduled_drafts = repo.cancel_messages(
        session, campaign_id, reason=reason, actor=actor, now=now
    )
    drafts = 0
    for start in range(0, len(scheduled_drafts), repo.CHUNK):
        drafts += repo.cancel_drafts(
            session,
            campaign_id,
            (DraftState.SCHEDULED,),
            reason=reason,
            actor=actor,
            draft_ids=scheduled_drafts[start : start + repo.CHUNK],
        )
    drafts += repo.cancel_drafts(
        session, campaign_id, repo.CANCELLABLE_DRAFTS, reason=reason, actor=actor
    )
    session.flush()
    return ControlOutcome(
        campaign_id,
        CANCELLED,
        changed=changed,
        messages=messages,
        drafts=drafts,
        members=members,
        sent=repo.sent_count(session, campaign_id),
        details={"reason": reason},
    )


def listing(
    session: Session, *, limit: int = 50, before: int | None = None
) -> tuple[int, list[dict[str, Any]]]:
    """(total, a page of campaigns newest first — older than id `before` when given — each
    with members and drafts counted)."""
    total, found = repo.page(session, limit=limit, before=before)
    ids = [c.id for c in found]
    drafts = repo.draft_counts(session, ids)
    members = repo.member_counts(session, ids)
    return total, [
        {
            "id": c.id,
            "name": c.name,
            "playbook": c.playbook,
            "segment": c.segment,
            "trigger": c.trigger,
            "channel": c.channel,
            "status": c.status,
            "created_at": c.created_at,
            "members": members[c.id],
            "drafts": drafts[c.id],
        }
        for c in found
    ]


def detail(session: Session, campaign_id: int) -> dict[str, Any]:
    """Everything about one campaign: counts of members, drafts and messages, skip and
    message reasons, tokens and cost, and who paused, resumed or cancelled it."""
    try:
        found = drafting.campaign_progress(session, campaign_id)
    except CampaignNotFound:
        raise CampaignNotFound(not_found_message(campaign_id)) from None
    campaign = drafting.get_campaign(session, campaign_id)
    messages, reasons = repo.message_counts(session, campaign_id)
    summary = found["summary"]
    options = campaign.options or {}
    found.update(
        messages=messages,
        message_reasons=reasons,
        tokens_in=int(summary.get("tokens_in", 0)),
        tokens_out=int(summary.get("tokens_out", 0)),
        cost=float(summary.get("cost", 0.0)),
        created_by=campaign.created_by,
        updated_at=campaign.updated_at,
        control={k: options[k] for k in ("paused", "resumed", "cancelled") if k in options},
    )
    return found


def control(
    session: Session, campaign_id: int, action: str, *, actor: str, reason: str | None = None
) -> ControlOutcome:
    """`pause`, `resume` or `cancel` by name."""
    if action == "pause":
        return pause(session, campaign_id, actor=actor)
    if action == "resume":
        return resume(session, campaign_id, actor=actor)
    if action == "cancel":
        return cancel(session, campaign_id, actor=actor, reason=reason)
    raise ValueError(f"unknown action {action!r}")
