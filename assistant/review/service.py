"""Decisions on drafts: approve, edit, reject, regenerate, and bulk approval by risk.

The first decision wins: each one is a single conditional transition (see `repository`),
and a decider who comes second is told who decided and when. Every applied decision writes
exactly one audit row with the actor, the text before and after, and the time. Services
flush and never commit; call them first thing in the unit of work (`repository.write_lock`).
Regeneration lives in `regeneration`, overrides of guardrail findings in `overrides`; both
are re-exported here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from assistant.drafting.brand import Brand, load_brand
from assistant.drafting.guardrails import GuardrailPolicy, blocking, check_draft
from assistant.learning import service as learning
from assistant.models import AuditEntry
from assistant.models.base import utcnow
from assistant.review import audit, risk
from assistant.review import repository as repo
from assistant.review.actors import Actor
from assistant.review.editdistance import levenshtein
from assistant.review.outcomes import (
    ACTIONS,
    APPROVED,
    APPROVED_ACTION,
    BY_RISK,
    EDITED_ACTION,
    ENTITY,
    REJECTED,
    REJECTED_ACTION,
    Action,
    DecisionOutcome,
    DraftNotFound,
    normalised,
    note_of,
    stored_findings,
    text_of,
    why_not,
)
from assistant.review.overrides import NEVER_OVERRIDABLE, overridable, override
from assistant.review.regeneration import (
    apply_regeneration,
    prepare_regeneration,
    regenerate,
    request_regeneration,
)

__all__ = [
    "NEVER_OVERRIDABLE",
    "Action",
    "DecisionOutcome",
    "DraftNotFound",
    "apply_regeneration",
    "approve_low_risk",
    "approve_low_risk_drafts",
    "decide",
    "guardrail_policy",
    "overridable",
    "override",
    "prepare_regeneration",
    "regenerate",
    "request_regeneration",
    "stored_findings",
]


def guardrail_policy(session: Session, brand: Brand | None = None) -> GuardrailPolicy:
    """The brand's guardrail policy with the store's product names."""
    return GuardrailPolicy.from_brand(
        brand or load_brand(), catalog_names=repo.catalog_names(session)
    )


def decide(
    session: Session,
    draft_id: int,
    *,
    action: Action,
    actor: Actor,
    body: str | None = None,
    subject: str | None = None,
    reason: str | None = None,
    policy: GuardrailPolicy | None = None,
) -> DecisionOutcome:
    """Approve, edit (and so approve) or reject a draft; the first decision wins.

    An edit runs the guardrails again on the new text: a blocking finding changes nothing
    and comes back in `findings`; an applied edit that changed the text is harvested as a
    learned example (`assistant.learning`); Slack, the terminal and the API all decide here.
    `reason` is kept as the decision note (a rejection's why).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; use one of {', '.join(ACTIONS)}")
    if action == "edit" and body is None:
        raise ValueError("an edit needs the new text (body)")
    now = utcnow()
    draft = repo.lock_draft(session, draft_id)
    if draft is None:
        raise DraftNotFound(f"no draft {draft_id}")
    refusal = why_not(session, draft, action, now)
    if refusal is not None:
        return refusal
    before = text_of(draft.body, draft.subject)
    note = note_of(reason)
    values: dict[str, Any] = {"decided_by": actor.id, "decided_at": now, "decision_note": note}
    data: dict[str, Any] = {"before": before, "after": before, "version": draft.version + 1}
    findings = stored_findings(draft)
    if action == "edit":
        assert body is not None
        new_body = normalised(body)
        new_subject = None
        if draft.channel == "email":
            new_subject = " ".join(subject.split()) if subject is not None else draft.subject
        findings = check_draft(
            channel=draft.channel,
            body=new_body,
            subject=new_subject,
            facts=draft.facts,
            policy=policy or guardrail_policy(session),
        )
        if blocking(findings):
            codes = ", ".join(f.code for f in findings if f.severity == "block")
            return DecisionOutcome(
                False,
                draft.id,
                draft.state,
                None,
                None,
                findings,
                f"the edited text is blocked by guardrails ({codes}); nothing changed",
            )
        distance = levenshtein(draft.body, new_body)
        document = dict(draft.findings or {})
        document.update(
            blocked=False,
            items=[f.as_dict() for f in findings],
            before_edit=(draft.findings or {}).get("items", []),
        )
        values.update(
            state=APPROVED,
            body=new_body,
            subject=new_subject,
            original_body=draft.body,
            edit_distance=distance,
            findings=document,
        )
        data.update(after=text_of(new_body, new_subject), edit_distance=distance)
        verb, audit_action = "edited and approved", EDITED_ACTION
    elif action == "approve":
        values.update(state=APPROVED, edit_distance=0)
        verb, audit_action = "approved", APPROVED_ACTION
    else:
        values.update(state=REJECTED)
        verb, audit_action = "rejected", REJECTED_ACTION
    if note:
        data["note"] = note
    from_state = draft.state
    applied = repo.transition(
        session,
        draft.id,
        from_states=repo.REVIEWABLE,
        version=draft.version,
        values=values,
        now=now,
    )
    if not applied:  # only when someone bypassed the lock; report what is there now
        current = repo.reload(session, draft_id)
        late = why_not(session, current, action, now) if current is not None else None
        return late or DecisionOutcome(
            False, draft_id, from_state, None, None, [], "the draft changed meanwhile; look again"
        )
    if action == "edit" and values.get("edit_distance"):
        # An edited approval teaches the drafter (anonymised; see assistant.learning).
        learning.harvest(
            session,
            draft_id=draft.id,
            playbook=draft.playbook,
            channel=draft.channel,
            facts=draft.facts or {},
            customer_id=draft.customer_id,
            text=values["body"],
            now=now,
        )
    session.expire(draft)
    audit.record(
        session,
        actor=actor.id,
        action=audit_action,
        entity_type=ENTITY,
        entity_id=draft_id,
        from_state=from_state,
        to_state=values["state"],
        data=data,
        at=now,
    )
    return DecisionOutcome(
        True, draft_id, values["state"], actor.id, now, findings, f"{verb} by {actor.label}"
    )


def approve_low_risk_drafts(
    session: Session,
    campaign_id: int,
    actor: Actor,
    policy: risk.RiskPolicy | None = None,
    *,
    now: datetime | None = None,
) -> list[int]:
    """Approve the campaign's remaining low-risk drafts (see `risk`); their ids.

    Each goes through the same conditional transition as a single approval, at the version
    that was assessed, so a draft edited, regenerated or decided meanwhile is left alone.
    The actor is recorded on every draft and in one audit row per draft.
    """
    now = now or utcnow()
    repo.write_lock(session)
    policy = policy or risk.RiskPolicy.from_settings()
    values = {"state": APPROVED, "decided_by": actor.id, "decided_at": now, "edit_distance": 0}
    entries = []
    for item in risk.assess(session, campaign_id, policy, now=now):
        if not item.low_risk:
            continue
        applied = repo.transition(
            session,
            item.draft_id,
            from_states=(repo.PENDING_REVIEW,),
            version=item.version,
            values=values,
            now=now,
        )
        if applied:
            text = text_of(item.body, item.subject)
            entries.append(
                AuditEntry(
                    occurred_at=now,
                    actor=actor.id,
                    action=APPROVED_ACTION,
                    entity_type=ENTITY,
                    entity_id=item.draft_id,
                    from_state=repo.PENDING_REVIEW,
                    to_state=APPROVED,
                    data={
                        "before": text,
                        "after": text,
                        "version": item.version + 1,
                        "via": BY_RISK,
                        "campaign_id": campaign_id,
                    },
                )
            )
    session.add_all(entries)
    session.flush()
    return [entry.entity_id for entry in entries]


def approve_low_risk(
    session: Session,
    campaign_id: int,
    actor: Actor,
    policy: risk.RiskPolicy | None = None,
    *,
    now: datetime | None = None,
) -> int:
    """Approve the campaign's remaining low-risk drafts; how many (see
    `approve_low_risk_drafts`, which returns their ids)."""
    return len(approve_low_risk_drafts(session, campaign_id, actor, policy, now=now))
