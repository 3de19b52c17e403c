"""What a decision on a draft comes to, and why one cannot apply: shared by every review path."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, get_args

from sqlalchemy.orm import Session

from assistant.drafting.guardrails import Finding
from assistant.models import Draft, DraftState
from assistant.review import audit
from assistant.review import repository as repo

Action = Literal["approve", "edit", "reject"]
ACTIONS: tuple[str, ...] = get_args(Action)
APPROVED = DraftState.APPROVED.value
REJECTED = DraftState.REJECTED.value
ENTITY = "draft"
NOTE_MAX = 2000

# Audit actions (AuditEntry.action) that review writes.
APPROVED_ACTION = "draft.approved"
EDITED_ACTION = "draft.edited"
REJECTED_ACTION = "draft.rejected"
REGENERATION_REQUESTED = "draft.regeneration_requested"
REGENERATED = "draft.regenerated"
REGENERATION_FAILED = "draft.regeneration_failed"
BY_RISK = "review_by_risk"

# Said wherever a reviewer can type an instruction while the offline drafter is configured.
OFFLINE_INSTRUCTION_NOTE = (
    "The offline drafter varies the phrasing only and cannot follow an instruction; "
    "set ASSISTANT_LLM=openai for a model that can."
)


class DraftNotFound(LookupError):
    """No draft with that id."""


@dataclass(frozen=True)
class DecisionOutcome:
    """What became of a decision. `applied=False` changed nothing; `message` says why, and
    `decided_by`/`decided_at` name who got there first when someone did."""

    applied: bool
    draft_id: int
    state: str
    decided_by: str | None
    decided_at: datetime | None
    findings: list[Finding] = field(default_factory=list)
    message: str = ""


def stored_findings(draft: Draft) -> list[Finding]:
    """The guardrail findings stored with the draft's current text."""
    items = (draft.findings or {}).get("items")
    found = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            excerpt = item.get("excerpt")
            found.append(
                Finding(
                    code=str(item.get("code", "")),
                    severity="block" if item.get("severity") == "block" else "warn",
                    message=str(item.get("message", "")),
                    excerpt=str(excerpt) if excerpt is not None else None,
                )
            )
    return found


def when(moment: datetime | None) -> str:
    """A decision time for people: `2026-11-23 14:05 UTC`."""
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "an unknown time"


def text_of(body: str, subject: str | None) -> dict[str, str | None]:
    return {"body": body, "subject": subject}


def note_of(reason: str | None) -> str | None:
    text = (reason or "").strip()
    return text[:NOTE_MAX] or None


def normalised(body: str) -> str:
    return body.replace("\r\n", "\n").replace("\r", "\n").strip()


def why_not(session: Session, draft: Draft, action: str, now: datetime) -> DecisionOutcome | None:
    """Why `action` cannot apply to the draft as it is now, or None when it can."""
    if draft.state not in repo.REVIEWABLE:
        if draft.decided_by:
            message = (
                f"already {draft.state} by {draft.decided_by} at {when(draft.decided_at)}; "
                "nothing changed"
            )
        else:
            message = f"the draft is {draft.state}; nothing changed"
        return DecisionOutcome(
            False, draft.id, draft.state, draft.decided_by, draft.decided_at, [], message
        )
    if repo.regenerating(draft, now):
        request = audit.latest(session, ENTITY, draft.id, REGENERATION_REQUESTED)
        by = request.actor if request else None
        return DecisionOutcome(
            False,
            draft.id,
            draft.state,
            by,
            draft.regenerating_at,
            [],
            f"being regenerated at the request of {by or 'someone'} since "
            f"{when(draft.regenerating_at)}; decide on the new text",
        )
    if action == "approve" and draft.state == repo.NEEDS_ATTENTION:
        findings = stored_findings(draft)
        codes = ", ".join(f.code for f in findings if f.severity == "block") or "see findings"
        return DecisionOutcome(
            False,
            draft.id,
            draft.state,
            None,
            None,
            findings,
            f"blocked by guardrails ({codes}): it cannot be approved as it is; edit it",
        )
    return None
