"""Reviewers act on cards: clicks and modal submissions POSTed to /slack/events, signed as
Slack signs them, through the real Bolt app; the card, the draft and the audit log agree."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from assistant.db import unit_of_work
from assistant.models import AuditEntry, Draft
from connectors.slack.actions import ActionId, BlockId
from connectors.slack.poster import SlackPoster
from tests.fakes.slack_server import FakeSlack, OpenedView, Posted
from tests.slack.helpers import (
    ANN,
    BOB,
    CHANNEL,
    click,
    eventually,
    has_buttons,
    post,
    submit,
    texts,
)
from tests.slack.seed import Store

Card = Callable[[int], Posted]


def draft_row(engine: Engine, draft_id: int) -> Draft:
    with unit_of_work(engine) as session:
        draft = session.get(Draft, draft_id)
        assert draft is not None
        return draft


def audit_rows(engine: Engine, draft_id: int) -> list[AuditEntry]:
    with unit_of_work(engine) as session:
        query = select(AuditEntry).where(
            AuditEntry.entity_type == "draft", AuditEntry.entity_id == draft_id
        )
        return list(session.execute(query.order_by(AuditEntry.id)).scalars())


@pytest.fixture
def card(engine: Engine, fake: FakeSlack, poster: SlackPoster, store: Store) -> Card:
    """Posts the campaign; `card(draft_id)` is that draft's message as Slack has it now."""
    poster.post_campaign(store.campaign_id)

    def find(draft_id: int) -> Posted:
        return fake.message(CHANNEL, draft_row(engine, draft_id).slack_ts or "")

    return find


def updated(fake: FakeSlack, card: Posted, times: int = 1) -> Posted:
    return eventually(lambda: card if card.updates >= times else None, what="chat.update")


def modal(fake: FakeSlack, count: int = 1) -> OpenedView:
    return eventually(
        lambda: fake.views[count - 1] if len(fake.views) >= count else None, what="views.open"
    )


def test_approve_updates_the_card_in_place_and_writes_one_audit_row(
    engine: Engine, fake: FakeSlack, web: TestClient, store: Store, card: Card
) -> None:
    draft_id = store.drafts[0]
    shown = card(draft_id)
    # Slack's card update is held: the click must be acknowledged without waiting for it.
    release = fake.hold("chat.update")
    response = post(web, click(shown, ActionId.APPROVE, ANN))
    assert response.status_code == 200 and shown.updates == 0
    release.set()
    updated(fake, shown)

    assert not has_buttons(shown.blocks)
    assert f"Approved* by <@{ANN}>" in texts(shown.blocks)
    assert "<!date^" in texts(shown.blocks)  # when, in each reader's time zone
    draft = draft_row(engine, draft_id)
    assert draft.state == "approved" and draft.decided_by == f"slack:{ANN}"
    assert draft.decided_at is not None and draft.edit_distance == 0
    rows = audit_rows(engine, draft_id)
    assert [(r.actor, r.action, r.to_state) for r in rows] == [
        (f"slack:{ANN}", "draft.approved", "approved")
    ]
    assert rows[0].data["before"]["body"] == draft.body
    assert not fake.ephemerals
    # The parent's counts follow.
    assert eventually(lambda: "*Approved*\n1" in texts(fake.messages[0].blocks), what="parent")


def test_edit_with_a_blocking_finding_comes_back_as_a_field_error_and_changes_nothing(
    engine: Engine, fake: FakeSlack, web: TestClient, store: Store, card: Card
) -> None:
    draft_id = store.drafts[0]
    before = draft_row(engine, draft_id)
    assert post(web, click(card(draft_id), ActionId.EDIT, ANN)).status_code == 200
    opened = modal(fake)
    body_input = next(b for b in opened.view["blocks"] if b.get("block_id") == BlockId.BODY)
    assert body_input["element"]["initial_value"] == before.body  # the full text, prefilled

    edited = before.body.replace("Just reply", "Take $5 off with code SAVE5, just reply")
    response = post(web, submit(opened, ANN, {BlockId.BODY: edited}))
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {BlockId.BODY}
    assert "$5" in answer["errors"][BlockId.BODY] or "price" in answer["errors"][BlockId.BODY]

    after = draft_row(engine, draft_id)
    assert (after.state, after.body, after.version) == (
        "pending_review",
        before.body,
        before.version,
    )
    assert audit_rows(engine, draft_id) == []
    assert card(draft_id).updates == 0


def test_edit_that_passes_the_guardrails_approves_it_and_stores_the_edit(
    engine: Engine, fake: FakeSlack, web: TestClient, store: Store, card: Card
) -> None:
    draft_id = store.drafts[1]
    before = draft_row(engine, draft_id)
    shown = card(draft_id)
    post(web, click(shown, ActionId.EDIT, BOB))
    edited = before.body.replace("you might enjoy", "I think you would love")
    response = post(web, submit(modal(fake), BOB, {BlockId.BODY: edited}))
    assert response.status_code == 200 and not response.content  # the modal closes
    updated(fake, shown)

    draft = draft_row(engine, draft_id)
    assert draft.state == "approved" and draft.body == edited
    assert draft.original_body == before.body and (draft.edit_distance or 0) > 0
    (row,) = audit_rows(engine, draft_id)
    assert (row.actor, row.action) == (f"slack:{BOB}", "draft.edited")
    assert row.data["before"]["body"] == before.body and row.data["after"]["body"] == edited
    assert "Edited and approved* by" in texts(shown.blocks) and edited in texts(shown.blocks)
    assert not has_buttons(shown.blocks)


def test_regenerate_with_an_instruction_acks_at_once_and_the_new_draft_replaces_the_card(
    engine: Engine, fake: FakeSlack, web: TestClient, store: Store, card: Card
) -> None:
    draft_id = store.drafts[2]
    before = draft_row(engine, draft_id)
    shown = card(draft_id)
    post(web, click(shown, ActionId.REGENERATE, ANN))
    opened = modal(fake)
    assert opened.view["callback_id"] == "draft_regenerate_modal"
    assert "cannot follow an instruction" in json.dumps(opened.view["blocks"])
    updates_before = shown.updates
    release = fake.hold("chat.update")  # acknowledged without waiting for the card update
    response = post(web, submit(opened, ANN, {BlockId.INSTRUCTION: "warmer"}))
    assert response.status_code == 200 and shown.updates == updates_before
    release.set()

    def regenerated() -> Draft | None:
        draft = draft_row(engine, draft_id)
        return (
            draft if draft.regenerating_at is None and draft.version > before.version + 1 else None
        )

    draft = eventually(regenerated, what="the regeneration")
    eventually(lambda: shown.updates >= 2 and draft.body in texts(shown.blocks), what="new card")
    assert draft.state in ("pending_review", "needs_attention")
    assert has_buttons(shown.blocks)  # open again: Edit, Regenerate, Reject (and Approve)
    approvable = any(
        e.get("action_id") == ActionId.APPROVE
        for b in shown.blocks
        for e in b.get("elements") or []
    )
    assert approvable == (draft.state == "pending_review")
    actions = [(r.action, r.actor) for r in audit_rows(engine, draft_id)]
    assert actions == [
        ("draft.regeneration_requested", f"slack:{ANN}"),
        ("draft.regenerated", f"slack:{ANN}"),
    ]
    assert audit_rows(engine, draft_id)[0].data["instruction"] == "warmer"
    # The buttons carry the new version: a click on the old text is refused.
    stale = click(shown, ActionId.APPROVE, ANN) if draft.state == "pending_review" else None
    if stale is not None:
        stale["actions"][0]["value"] = f"{draft_id}:{before.version}"
        post(web, stale)
        eventually(lambda: fake.ephemerals, what="ephemeral")
        assert "changed since" in fake.ephemerals[0].text
        assert draft_row(engine, draft_id).state == "pending_review"


def test_reject_with_a_reason(
    engine: Engine, fake: FakeSlack, web: TestClient, store: Store, card: Card
) -> None:
    draft_id = store.drafts[0]
    shown = card(draft_id)
    post(web, click(shown, ActionId.REJECT, ANN))
    opened = modal(fake)
    assert opened.view["callback_id"] == "draft_reject_modal"
    response = post(web, submit(opened, ANN, {BlockId.REASON: "Too soon after her last order"}))
    assert response.status_code == 200
    updated(fake, shown)
    draft = draft_row(engine, draft_id)
    assert draft.state == "rejected" and draft.decision_note == "Too soon after her last order"
    (row,) = audit_rows(engine, draft_id)
    assert (row.actor, row.action, row.to_state) == (f"slack:{ANN}", "draft.rejected", "rejected")
    assert "Rejected* by" in texts(shown.blocks) and "Too soon" in texts(shown.blocks)
    assert not has_buttons(shown.blocks)


def test_two_reviewers_approve_at_once_one_wins_the_other_is_told_who(
    engine: Engine, fake: FakeSlack, web: TestClient, store: Store, card: Card
) -> None:
    draft_id = store.drafts[0]
    shown = card(draft_id)
    clicks = [click(shown, ActionId.APPROVE, user) for user in (ANN, BOB)]
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def press(payload: dict[str, object]) -> None:
        barrier.wait()
        codes.append(post(web, payload).status_code)

    threads = [threading.Thread(target=press, args=(c,)) for c in clicks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [200, 200]
    eventually(lambda: fake.ephemerals, what="the loser's ephemeral")

    draft = draft_row(engine, draft_id)
    winner = draft.decided_by.removeprefix("slack:") if draft.decided_by else ""
    loser = BOB if winner == ANN else ANN
    assert draft.state == "approved" and winner in (ANN, BOB)
    rows = audit_rows(engine, draft_id)
    assert [(r.action, r.actor) for r in rows] == [("draft.approved", f"slack:{winner}")]
    (told,) = fake.ephemerals
    assert told.user == loser and f"<@{winner}>" in told.text and "already approved" in told.text
    eventually(lambda: not has_buttons(shown.blocks), what="the card to lose its buttons")
    assert f"by <@{winner}>" in texts(shown.blocks)


def test_a_second_click_after_a_restart_changes_nothing(
    engine: Engine, fake: FakeSlack, web: TestClient, store: Store, card: Card
) -> None:
    draft_id = store.drafts[1]
    shown = card(draft_id)
    payload = click(shown, ActionId.APPROVE, ANN)
    post(web, payload)
    updated(fake, shown)
    post(web, payload)  # Slack retried, or a stale card was clicked again
    eventually(lambda: fake.ephemerals, what="ephemeral")
    assert len(audit_rows(engine, draft_id)) == 1
    assert draft_row(engine, draft_id).version == 2
