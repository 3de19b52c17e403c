"""Trigger holdouts: held-out occasions are recorded like queued ones, stored as holdout
members, never drafted, never queued again, and `explain` says so."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from assistant.db import unit_of_work
from assistant.drafting.holdout import held_out, trigger_key
from assistant.models import Campaign, CampaignMember, Customer, Draft
from assistant.triggers import service
from assistant.triggers.config import KINDS, TriggersConfigError
from tests.triggers.helpers import config, context, drafting, ids, later, queued, run, step

HALF = config({kind: {"holdout": 50} for kind in KINDS})


def _members(engine: Engine) -> dict[tuple[str, str], tuple[str, str | None]]:
    """(trigger, external id) -> (status, skip reason)."""
    with unit_of_work(engine) as session:
        rows = session.execute(
            select(Campaign.trigger, Customer.external_id, CampaignMember.status)
            .add_columns(CampaignMember.skip_reason)
            .join(Campaign, Campaign.id == CampaignMember.campaign_id)
            .join(Customer, Customer.id == CampaignMember.customer_id)
        ).all()
    return {(str(t), e): (status, reason) for t, e, status, reason in rows}


def test_held_out_occasions_are_recorded_once_and_never_drafted(store: Engine) -> None:
    assert run(store, dry_run=True).queued == 10  # without a holdout (the tests' setting)
    pk = ids(store)
    report = run(store, triggers=HALF, runner=drafting())
    members = _members(store)
    assert len(members) == 10
    held = {k for k, (_, reason) in members.items() if reason == "holdout"}
    expected = {(t, e) for t, e in members if held_out(trigger_key(t), pk[e], 50)}
    assert held == expected and 0 < len(held) < 10
    assert report.queued == 10 - len(held)
    assert sum(s.skipped.get("holdout", 0) for s in report.steps) == len(held)
    with unit_of_work(store) as session:
        drafted = set(session.execute(select(Draft.customer_id)).scalars())
        options = [c.options for c in session.execute(select(Campaign)).scalars()]
    assert drafted == {pk[e] for t, e in members if (t, e) not in held}
    assert all(o["holdout_percent"] == 50 for o in options)
    assert len(queued(store)) == 10  # every occasion recorded, held out or not

    again = run(store, triggers=HALF)
    assert again.queued == 0 and "holdout" not in str([s.skipped for s in again.steps])
    tomorrow = run(store, triggers=HALF, as_of=later(1))
    assert sum(s.skipped.get("holdout", 0) for s in tomorrow.steps) == 0
    assert len(_members(store)) == 10

    trigger, external = sorted(held)[0]
    with unit_of_work(store) as session:
        explained = {e.trigger: e for e in service.explain(session, HALF, pk[external], context())}
    found = explained[trigger]
    assert (found.would_fire, found.reason) == (False, "holdout")
    assert "held out" in found.detail
    assert [f["held_out"] for f in found.fired] == [True]


def test_explain_says_holdout_before_the_run(store: Engine) -> None:
    pk = ids(store)
    with unit_of_work(store) as session:
        fired = {
            (e.trigger, c)
            for c in pk
            for e in service.explain(session, config(), pk[c], context())
            if e.would_fire
        }
        assert fired
        explained = {
            (e.trigger, c): e for c in pk for e in service.explain(session, HALF, pk[c], context())
        }
    for trigger, customer in fired:
        found = explained[(trigger, customer)]
        if held_out(trigger_key(trigger), pk[customer], 50):
            assert (found.would_fire, found.reason) == (False, "holdout")
            assert found.detail.startswith("held out (50% of customers get no message")
        else:
            assert found.would_fire
    assert any(explained[k].reason == "holdout" for k in fired)


def test_a_dry_run_counts_the_held_out_and_writes_nothing(store: Engine) -> None:
    report = run(store, triggers=HALF, dry_run=True, only="purchase")
    purchase = step(report, "purchase")
    assert (
        purchase.queued + purchase.skipped.get("holdout", 0) + purchase.skipped.get("no_consent", 0)
        == purchase.matched
    )
    assert not _members(store)


@pytest.mark.parametrize("value", [60, -1, "ten", True])
def test_a_holdout_outside_0_to_50_is_refused(value: object) -> None:
    with pytest.raises(TriggersConfigError, match="holdout: must be a percent from 0 to 50"):
        config({"purchase": {"holdout": value}})
