"""Overriding blocking guardrail findings: a reviewer accepts them, with a reason, on record.

A draft blocked by the guardrails (`needs_attention`) can be let through by a person who
judges the findings wrong ("House Blend" is a product, not the customer's house). The
override needs a reason, covers every blocking finding of the current text, and moves the
draft to `pending_review`, where it is approved like any other (an override is not an
approval). One audit row keeps the actor, the codes and the reason. The stored findings stay,
marked overridden and shown as warnings, so bulk approval by risk never waves such a draft
through. `NEVER_OVERRIDABLE` is the one place that says what no reviewer can override.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final

from sqlalchemy.orm import Session

from assistant.delivery.rules import consent_problem
from assistant.models import Customer
from assistant.models.base import utcnow
from assistant.review import audit
from assistant.review import repository as repo
from assistant.review.actors import Actor
from assistant.review.outcomes import (
    ENTITY,
    DecisionOutcome,
    DraftNotFound,
    note_of,
    stored_findings,
    why_not,
)

OVERRIDDEN_ACTION = "draft.findings_overridden"
OPTED_OUT = "opted_out"
QUIET_HOURS = "quiet_hours"

# Codes no reviewer may override, and why: offers nobody made, and the customer's opt-out
# (the notice a first SMS must carry, their choice to opt out) and quiet hours. The last two
# are delivery rules, enforced at send time whatever happens here; naming them is refused.
NEVER_OVERRIDABLE: Final[Mapping[str, str]] = {
    "invented_offer": (
        "an offer the facts do not give is never sent; edit it out or regenerate the draft"
    ),
    "sms_opt_out_missing": (
        "a first SMS must say how to opt out; add the notice (edit) or regenerate the draft"
    ),
    OPTED_OUT: "the customer opted out; no one can override their choice",
    QUIET_HOURS: "quiet hours protect the customer's time and are never overridden",
}


def overridable(code: str) -> bool:
    """Whether a reviewer may override a finding or rule with this code."""
    return code not in NEVER_OVERRIDABLE


def _refused(draft_id: int, state: str, message: str) -> DecisionOutcome:
    return DecisionOutcome(False, draft_id, state, None, None, [], message)


def _marked(items: Any, codes: set[str], actor: Actor) -> list[Any]:
    """The stored findings with the overridden ones shown as warnings, marked overridden."""
    marked = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("severity") == "block" and item.get("code") in codes:
            message = f"overridden by {actor.label}: {item.get('message', '')}"
            item = {**item, "severity": "warn", "overridden": True, "message": message}
        marked.append(item)
    return marked


def override(
    session: Session,
    draft_id: int,
    *,
    actor: Actor,
    reason: str | None,
    codes: Iterable[str] | None = None,
    now: datetime | None = None,
) -> DecisionOutcome:
    """Override the draft's blocking findings (`codes`: all of them when None) with a reason.

    Refused, changing nothing, when: the reason is empty; the draft is not blocked, decided
    or being regenerated; a code is never overridable, not blocking this draft, or a blocking
    code is left out; or the customer opted out of the draft's channel.
    """
    now = now or utcnow()
    draft = repo.lock_draft(session, draft_id)
    if draft is None:
        raise DraftNotFound(f"no draft {draft_id}")
    refusal = why_not(session, draft, "override", now)
    if refusal is not None:
        return refusal
    blocking = {f.code for f in stored_findings(draft) if f.severity == "block"}
    wanted = set(codes) if codes is not None else set(blocking)
    never = sorted(c for c in wanted | blocking if not overridable(c))
    if never:
        why = "; ".join(f"{code}: {NEVER_OVERRIDABLE[code]}" for code in never)
        return _refused(draft.id, draft.state, f"cannot be overridden ({why}); nothing changed")
    if draft.state != repo.NEEDS_ATTENTION or not blocking:
        return _refused(draft.id, draft.state, "no blocking finding to override; nothing changed")
    note = note_of(reason)
    if note is None:
        return _refused(draft.id, draft.state, "an override needs a reason; nothing changed")
    if wanted - blocking:
        other = ", ".join(sorted(wanted - blocking))
        return _refused(draft.id, draft.state, f"not blocking this draft: {other}; nothing changed")
    if blocking - wanted:
        left = ", ".join(sorted(blocking - wanted))
        return _refused(
            draft.id, draft.state, f"still blocked by {left}: override those too or edit it"
        )
    customer = session.get(Customer, draft.customer_id)
    if customer is not None and consent_problem(customer, draft.channel) == OPTED_OUT:
        why = NEVER_OVERRIDABLE[OPTED_OUT]
        return _refused(draft.id, draft.state, f"{OPTED_OUT} on {draft.channel}: {why}")
    listed = sorted(blocking)
    document = dict(draft.findings or {})
    document.update(
        blocked=False,
        items=_marked(document.get("items"), blocking, actor),
        override={"by": actor.id, "at": now.isoformat(), "codes": listed, "reason": note},
    )
    from_state, version = draft.state, draft.version
    applied = repo.transition(
        session,
        draft.id,
        from_states=(repo.NEEDS_ATTENTION,),
        version=version,
        values={"state": repo.PENDING_REVIEW, "findings": document},
        now=now,
    )
    if not applied:
        return _refused(draft.id, from_state, "the draft changed meanwhile; look again")
    session.expire(draft)
    audit.record(
        session,
        actor=actor.id,
        action=OVERRIDDEN_ACTION,
        entity_type=ENTITY,
        entity_id=draft_id,
        from_state=from_state,
        to_state=repo.PENDING_REVIEW,
        data={"codes": listed, "reason": note, "version": version + 1},
        at=now,
    )
    return DecisionOutcome(
        True,
        draft_id,
        repo.PENDING_REVIEW,
        None,
        None,
        [],
        f"{', '.join(listed)} overridden by {actor.label}; the draft can now be approved",
    )
