"""Trigger runs and explanations.

`run` finds every enabled trigger's occasions (and due follow-up steps) set-based, skips
the ineligible with their reason (`gates.Gate`), records the rest once
(`repository.record`) and puts them into the day's campaign for the trigger step, then
queues the existing campaign drafting task. A stable share of step-1 occasions is held out
(`drafting.holdout`, key `trigger:<name>`): recorded like the others, so they are not
queued again, and stored as members skipped `holdout` (follow-ups follow a sent step, so a
held-out customer gets none either): drafting, review cards, approval and sending
are the campaign pipeline's, unchanged. `explain` says, trigger by trigger, whether one
customer's occasion would fire now and if not why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.config import get_settings
from assistant.delivery.policy import DeliveryPolicy
from assistant.drafting.brand import Brand
from assistant.drafting.eligibility import NOT_COOLING
from assistant.drafting.holdout import HOLDOUT, held_out, resolve_percent, trigger_key
from assistant.jobs.runners import TaskRunner, enqueue_after_commit
from assistant.models import Customer, Draft
from assistant.observability.metrics import TRIGGER_RUNS
from assistant.triggers import occasions, repository, sequences
from assistant.triggers.config import Trigger, TriggersConfig
from assistant.triggers.gates import Gate
from assistant.triggers.occasions import Occasion, Scope

# The campaign drafting task (assistant.drafting.tasks.DRAFT_CAMPAIGN): queued by name, so
# this service does not import the task module (and through it the adapters).
DRAFT_TASK = "campaigns.draft"
BATCH = 500
NO_OCCASION = {
    "purchase": "no paid order {days} days ago (up to {catch_up_days} more)",
    "milestone_crossed": "no milestone crossed in the last {within_days} days",
    "product_relaunched": "no product returned for {reasons} relaunched in the last "
    "{within_days} days",
    "repeat_product": "no product with an upgrade bought {purchases} times in {within_days} days",
    "lapsed_high_value": "not a top {clv_top_percent}% customer whose last order is "
    "{days} days old",
}


class CustomerNotFound(LookupError):
    """No customer with that id."""


@dataclass
class StepReport:
    """One trigger step of a run: occasions matched, queued, skipped by reason."""

    trigger: str
    step: int
    label: str
    matched: int = 0
    queued: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    campaign_id: int | None = None


@dataclass
class RunReport:
    """What a run did (or, dry, would do)."""

    as_of: date
    dry_run: bool
    steps: list[StepReport] = field(default_factory=list)

    @property
    def queued(self) -> int:
        return sum(step.queued for step in self.steps)

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "dry_run": self.dry_run,
            "queued": self.queued,
            "triggers": [asdict(step) for step in self.steps],
        }


@dataclass(frozen=True)
class Context:
    """What a run needs besides the session: the day, the clock, brand and delivery rules."""

    as_of: date
    now: datetime
    brand: Brand
    policy: DeliveryPolicy
    zone: str = ""

    @property
    def brand_zone(self) -> str:
        return self.zone or get_settings().app.brand_timezone


def _chunks(items: Iterable[Occasion], size: int) -> Iterator[list[Occasion]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _first_per_customer(found: Iterable[Occasion]) -> list[Occasion]:
    """One occasion per customer per run (a campaign has one member per customer); the
    others wait for the next run."""
    kept: dict[int, Occasion] = {}
    for occasion in found:
        kept.setdefault(occasion.customer_id, occasion)
    return list(kept.values())


def step_occasions(session: Session, trigger: Trigger, step: int, scope: Scope) -> list[Occasion]:
    """Step 1: the trigger's occasions; later steps: the follow-ups now due."""
    found = (
        occasions.find(session, trigger, scope)
        if step == 1
        else sequences.due(session, trigger, step, scope)
    )
    if step == 1:
        section = sequences.trigger_section(trigger, 1)
        found = (
            Occasion(o.customer_id, o.occasion, o.occurred_on, {**o.qualifier, "trigger": section})
            for o in found
        )
    return list(found)


def selected(config: TriggersConfig, only: str | None) -> list[Trigger]:
    """The trigger named `only` (even when disabled), else every enabled one."""
    if only is not None:
        return [config.get(only)]
    return [t for t in config.triggers.values() if t.enabled]


def run(
    session: Session,
    config: TriggersConfig,
    context: Context,
    *,
    runner: TaskRunner | None,
    dry_run: bool = False,
    only: str | None = None,
    customer_ids: Sequence[int] | None = None,
) -> RunReport:
    """Evaluate the triggers (for `customer_ids` only when given) and queue their drafts."""
    report = RunReport(context.as_of, dry_run)
    scope = Scope(context.as_of, context.brand_zone, customer_ids)
    for trigger in selected(config, only):
        queued = 0
        try:
            for step in range(1, len(trigger.steps) + 2):
                found = step_occasions(session, trigger, step, scope)
                done = _queue(session, trigger, step, found, context, runner, dry_run)
                report.steps.append(done)
                queued += done.queued
        except Exception:
            TRIGGER_RUNS.labels(trigger.name, "failed").inc()
            raise
        outcome = "dry_run" if dry_run else ("queued" if queued else "nothing_new")
        TRIGGER_RUNS.labels(trigger.name, outcome).inc()
    return report


def _queue(
    session: Session,
    trigger: Trigger,
    step: int,
    found: list[Occasion],
    context: Context,
    runner: TaskRunner | None,
    dry_run: bool,
) -> StepReport:
    report = StepReport(trigger.name, step, trigger.label_of(step))
    gate = Gate(
        trigger,
        step,
        as_of=context.as_of,
        now=context.now,
        brand=context.brand,
        policy=context.policy,
    )
    skipped: Counter[str] = Counter()
    campaign = None if dry_run else repository.day_campaign(session, trigger, step, context.as_of)
    opened = False
    percent = resolve_percent(trigger.holdout) if step == 1 else 0.0
    key = trigger_key(trigger.name)
    for batch in _chunks(_first_per_customer(found), BATCH):
        report.matched += len(batch)
        reasons = gate.check(session, batch)
        if campaign is not None:
            ids = [o.customer_id for o in batch if o.customer_id not in reasons]
            for customer_id in repository.members_of(session, campaign.id, ids):
                reasons[customer_id] = "queued_today"
        ready = [o for o in batch if o.customer_id not in reasons]
        if ready and not dry_run:
            if not opened:  # the day's campaign, made ready to draft again, or a new one
                campaign = repository.open_campaign(
                    session, trigger, step, context.as_of, context.now, percent
                )
                opened = True
            assert campaign is not None
            new = repository.record(session, trigger, step, campaign.id, ready, context.now)
            for o in ready:
                if o.customer_id not in new:
                    reasons[o.customer_id] = "already_queued"
            ready = [o for o in ready if o.customer_id in new]
        for o in ready:
            if held_out(key, o.customer_id, percent):
                reasons[o.customer_id] = HOLDOUT
        if not dry_run and campaign is not None and ready:
            repository.add_members(
                session,
                campaign,
                [o for o in ready if o.customer_id not in reasons],
                [o for o in ready if o.customer_id in reasons],
            )
        ready = [o for o in ready if o.customer_id not in reasons]
        skipped.update(reasons.values())
        report.queued += len(ready)
    report.skipped = dict(sorted(skipped.items()))
    if campaign is not None and opened and (report.queued or skipped[HOLDOUT]):
        report.campaign_id = campaign.id
        if campaign.status != "paused" and runner is not None:
            enqueue_after_commit(session, runner, DRAFT_TASK, campaign_id=campaign.id)
    return report


# --- explain -------------------------------------------------------------------------


@dataclass
class Explanation:
    """For one trigger and customer: would it fire now, and if not why."""

    trigger: str
    kind: str
    enabled: bool
    would_fire: bool
    reason: str | None
    detail: str
    occasion: str | None = None
    fired: list[dict[str, Any]] = field(default_factory=list)
    sequence: list[dict[str, Any]] = field(default_factory=list)


def customer_pk(session: Session, external_id: str) -> int:
    """The customer's row id for the brand's id, or CustomerNotFound."""
    found = session.execute(
        select(Customer.id).where(Customer.external_id == external_id)
    ).scalar_one_or_none()
    if found is None:
        raise CustomerNotFound(external_id)
    return int(found)


def explain(
    session: Session, config: TriggersConfig, customer_id: int, context: Context
) -> list[Explanation]:
    """Every trigger, for one customer (row id), as of `context.as_of`."""
    return [
        _explain(session, trigger, customer_id, context) for trigger in config.triggers.values()
    ]


def _explain(session: Session, trigger: Trigger, customer_id: int, context: Context) -> Explanation:
    history = repository.recorded(session, trigger.name, customer_id)
    held = repository.held_out_in(
        session, customer_id, [row.campaign_id for row in history if row.campaign_id is not None]
    )
    fired = [
        {
            "occasion": row.occasion,
            "step": row.step,
            "queued_on": row.queued_at.date().isoformat(),
            "campaign_id": row.campaign_id,
            "held_out": row.campaign_id in held,
        }
        for row in history
    ]
    states = [asdict(s) for s in sequences.states(session, trigger, customer_id)]
    found = Explanation(
        trigger.name, trigger.kind, trigger.enabled, False, None, "", None, fired, states
    )
    scope = Scope(context.as_of, context.brand_zone, [customer_id], recorded=True)
    candidates = [
        (step, o)
        for step in range(1, len(trigger.steps) + 2)
        for o in step_occasions(session, trigger, step, scope)
    ]
    if not candidates:
        found.reason = "no_occasion"
        found.detail = NO_OCCASION[trigger.kind].format(**_described(trigger.params))
        if history:
            last = history[-1]
            found.detail += (
                f"; last fired on {last.queued_at.date().isoformat()} for {last.occasion}"
            )
    else:
        done = {(row.occasion, row.step): row for row in history}
        fresh = [(step, o) for step, o in candidates if (o.occasion, step) not in done]
        if not fresh:
            step, o = candidates[0]
            row = done[(o.occasion, step)]
            found.reason, found.occasion = "already_fired", o.occasion
            found.detail = (
                f"already fired on {row.queued_at.date().isoformat()} for {o.occasion}"
                + (f" (step {step})" if step > 1 else "")
            )
            if row.campaign_id in held:
                found.reason = HOLDOUT
                found.detail += " and held out: recorded, no message (docs/reports.md, Holdouts)"
        else:
            step, o = fresh[0]
            found.occasion = o.occasion
            _gate(session, trigger, step, o, context, found)
    if not trigger.enabled:
        found.would_fire = False
        found.reason, found.detail = "disabled", f"disabled in triggers.yaml ({found.detail})"
    return found


def _gate(
    session: Session,
    trigger: Trigger,
    step: int,
    occasion: Occasion,
    context: Context,
    found: Explanation,
) -> None:
    gate = Gate(
        trigger,
        step,
        as_of=context.as_of,
        now=context.now,
        brand=context.brand,
        policy=context.policy,
    )
    reason = gate.check(session, [occasion]).get(occasion.customer_id)
    where = f" (step {step})" if step > 1 else ""
    if reason is None and step == 1:
        percent = resolve_percent(trigger.holdout)
        if held_out(trigger_key(trigger.name), occasion.customer_id, percent):
            found.reason = HOLDOUT
            found.detail = (
                f"held out ({percent:g}% of customers get no message, to measure the "
                f"trigger's effect): {occasion.occasion} would be recorded, nothing sent"
            )
            return
    if reason is None:
        found.would_fire, found.detail = True, f"would fire for {occasion.occasion}{where}"
        return
    found.reason = reason
    detail = {
        "no_consent": f"no {gate.channel} consent",
        "opted_out": f"opted out of {gate.channel}",
        "no_contact": f"no {'phone number' if gate.channel == 'sms' else 'email address'}",
        "open_conversation": "an open conversation (the customer wrote in the last days)",
        "cap": f"the {gate.channel} frequency or daily contact cap is full now",
        "missing_facts": "the facts the message needs are missing",
        "outside_timing": f"outside the {gate.playbook.name} playbook's timing window",
    }.get(reason, reason.replace("_", " "))
    if reason == "cooldown":
        until = _cooldown_until(
            session,
            occasion.customer_id,
            gate.playbook.name,
            gate.playbook.cooldown_days,
            context.now,
        )
        detail = f"cooldown until {until.isoformat()}" if until else "cooldown"
    found.detail = f"{detail}: {occasion.occasion}{where} waits"


def _cooldown_until(
    session: Session, customer_id: int, playbook: str, days: int, now: datetime
) -> date | None:
    latest = session.execute(
        select(func.max(Draft.created_at)).where(
            Draft.customer_id == customer_id,
            Draft.playbook == playbook,
            Draft.state.not_in([s.value for s in NOT_COOLING]),
            Draft.created_at >= now - timedelta(days=days),
        )
    ).scalar_one_or_none()
    return (latest + timedelta(days=days)).date() if latest is not None else None


def _described(params: Any) -> dict[str, Any]:
    return {k: (", ".join(v) if isinstance(v, list) else v) for k, v in params.items()}
