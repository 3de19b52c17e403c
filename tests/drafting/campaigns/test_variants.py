"""A/B variants at drafting: each draft records its variant (the customer's hashed one, or the
promoted winner), the offline drafter and a model both see the variant, regeneration keeps it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete

from assistant.db import unit_of_work
from assistant.models import VariantPromotion
from assistant.review import service as review
from assistant.review.actors import Actor
from assistant.variants import service as variants
from assistant.variants.assign import assign
from assistant.wiring import build_drafter
from connectors.llm.offline_phrases import ASK_CLOSINGS
from tests.drafting.campaigns.conftest import clean
from tests.drafting.campaigns.helpers import create, drafts, offline, run
from tests.drafting.campaigns.test_fake_openai import point_at, real_drafter
from tests.fakes.openai_drafts import message_text, plausible_draft
from tests.fakes.openai_server import running_fake_openai
from tests.variants.helpers import prompts_copy

WEIGHTS = [("thanks", 1.0), ("early_access", 1.0)]
VOICE = "Voice for this message (the rules above still hold): After the thank-you"
ANA = Actor("slack:U0ANA", "Ana")


@pytest.fixture
def store(demo: Engine) -> Iterator[Engine]:
    yield demo
    with unit_of_work(demo) as session:
        session.execute(delete(VariantPromotion))


def _recognition(store: Engine, limit: int = 40) -> int:
    return create(store, "recognition", segment="recent_buyers_30d", channel="email", limit=limit)


def _asks(body: str) -> bool:
    return any(closing in body for closing in ASK_CLOSINGS)


def test_offline_drafts_record_the_customers_variant_and_show_it(store: Engine) -> None:
    campaign_id = _recognition(store)
    summary = run(store, campaign_id, offline())
    assert summary.status == "completed"
    found = drafts(store, campaign_id)
    assert len(found) == 40
    for draft in found:
        assert draft.variant == assign("recognition", draft.customer_id, WEIGHTS)
    by_variant = {name: [d for d in found if d.variant == name] for name, _ in WEIGHTS}
    assert all(len(group) >= 8 for group in by_variant.values())
    # The template a variant names, and its instruction, show in what was written.
    assert {d.prompt_version for d in by_variant["thanks"]} == {"recognition-1"}
    assert {d.prompt_version for d in by_variant["early_access"]} == {"recognition-early-access-1"}
    assert all(_asks(d.body) for d in by_variant["early_access"])
    assert not any(_asks(d.body) for d in by_variant["thanks"])
    # Never an invented offer: the guardrails passed every draft.
    assert all(d.state == "pending_review" for d in found)


def test_a_rerun_and_a_second_campaign_give_each_customer_the_same_variant(
    store: Engine,
) -> None:
    first = _recognition(store, limit=30)
    run(store, first, offline())
    before = {d.customer_id: d.variant for d in drafts(store, first)}
    clean(store)  # no cooldown in the way: the same customers are drafted again
    second = _recognition(store, limit=30)
    run(store, second, offline())
    after = {d.customer_id: d.variant for d in drafts(store, second)}
    shared = before.keys() & after.keys()
    assert len(shared) == 30 and all(before[c] == after[c] for c in shared)


def test_promotion_assigns_the_winner_to_everyone_and_unpromote_resumes(store: Engine) -> None:
    with unit_of_work(store) as session:
        variants.promote(session, "recognition", "early_access", actor="terminal:ana")
    promoted = _recognition(store, limit=30)
    run(store, promoted, offline())
    assert {d.variant for d in drafts(store, promoted)} == {"early_access"}

    with unit_of_work(store) as session:
        assert variants.unpromote(session, "recognition")
    resumed = _recognition(store, limit=30)
    run(store, resumed, offline())
    found = drafts(store, resumed)
    assert {d.variant for d in found} == {"thanks", "early_access"}
    assert all(d.variant == assign("recognition", d.customer_id, WEIGHTS) for d in found)


def test_without_variants_yaml_drafts_have_no_variant(
    store: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts_copy(tmp_path, monkeypatch, None)
    campaign_id = _recognition(store, limit=12)
    run(store, campaign_id, offline())
    found = drafts(store, campaign_id)
    assert len(found) == 12 and {d.variant for d in found} == {None}
    assert {d.prompt_version for d in found} == {"recognition-1"}


def test_regeneration_keeps_the_variant_and_its_template(store: Engine) -> None:
    campaign_id = _recognition(store, limit=20)
    run(store, campaign_id, offline())
    draft = next(d for d in drafts(store, campaign_id) if d.variant == "early_access")
    with unit_of_work(store) as session:
        assert review.request_regeneration(session, draft.id, actor=ANA, instruction=None).applied
    with unit_of_work(store) as session:
        outcome = review.regenerate(session, draft.id, None, build_drafter=build_drafter)
    assert outcome.applied
    after = next(d for d in drafts(store, campaign_id) if d.id == draft.id)
    assert after.variant == "early_access"
    assert after.prompt_version == "recognition-early-access-1"
    assert _asks(after.body)


def test_a_model_sees_the_variants_instruction_in_the_system_prompt(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_fake_openai(plausible_draft) as server:
        point_at(server, monkeypatch)
        campaign_id = _recognition(store, limit=16)
        summary = run(store, campaign_id, real_drafter())
        bodies = server.bodies()
    assert summary.status == "completed"
    systems = [
        message_text(m) for body in bodies for m in body["messages"] if m["role"] == "system"
    ]
    assert len(systems) == len(bodies) >= 16
    with_voice = [s for s in systems if VOICE in s]
    found = drafts(store, campaign_id)
    early = sum(1 for d in found if d.variant == "early_access")
    assert 0 < early < len(found)
    # One request per draft here (a blocked draft's retry would add one with the same voice).
    assert len(with_voice) >= early and len(systems) - len(with_voice) >= len(found) - early
    assert all(s.rstrip().endswith("Never invent an offer.") for s in with_voice)
