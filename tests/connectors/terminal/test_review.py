"""Terminal review: `assistant review` driven by scripted input through the same service."""

from __future__ import annotations

import getpass

import pytest
from rich.console import Console
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from assistant import cli
from assistant.db import get_engine, unit_of_work
from assistant.models import Message
from assistant.ports import ReviewChannel
from assistant.review import service
from assistant.review.actors import Actor
from connectors.terminal.review import TerminalReviewChannel
from tests.review.helpers import (
    add_conversation,
    add_customer,
    add_draft,
    audit_rows,
    draft_row,
    pending_store,
)

ME = f"terminal:{getpass.getuser()}"


def review(*args: str, script: str) -> Result:
    try:
        result = CliRunner().invoke(cli.app, ["review", *args], input=script)
    finally:
        get_engine().dispose()
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def test_a_scripted_review_decides_through_the_service(engine: Engine) -> None:
    store = pending_store(engine, ("Maya", "Leo", "Zoe", "Kim", "Ada"))
    maya, leo, zoe, kim, ada = (store.drafts[n] for n in ("Maya", "Leo", "Zoe", "Kim", "Ada"))
    kim_before = draft_row(engine, kim).body
    script = "\n".join(
        [
            "a",  # Maya: approve
            "r",  # Leo: reject, with a reason
            "not this week",
            "e",  # Zoe: edit, text ended by a dot
            "Hi Zoe, how is the Cast Iron Skillet 10in treating you?",
            "Just reply if you need a hand. Sam at Ember & Oak",
            ".",
            "y",  # confirm the edited text
            "e",  # Kim: an edit the guardrails block...
            "Hi Kim, use code SAVE50 for 50% off!",
            ".",
            "y",
            "g",  # ...so regenerate it warmer instead, then approve the new text
            "warmer",
            "a",
            "x",  # Ada: an unknown key, then skip
            "s",
        ]
    )
    result = review("--no-editor", script=script + "\n")
    assert result.exit_code == 0, result.output

    assert (draft_row(engine, maya).state, draft_row(engine, maya).decided_by) == ("approved", ME)
    rejected = draft_row(engine, leo)
    assert (rejected.state, rejected.decision_note) == ("rejected", "not this week")
    edited = draft_row(engine, zoe)
    assert edited.state == "approved" and edited.body.startswith("Hi Zoe, how is")
    assert edited.original_body is not None and edited.edit_distance
    regenerated = draft_row(engine, kim)
    assert regenerated.state == "approved" and regenerated.body != kim_before
    assert "SAVE50" not in regenerated.body
    assert [e.action for e in audit_rows(engine, kim)] == [
        "draft.regeneration_requested",
        "draft.regenerated",
        "draft.approved",
    ]
    assert all(e.actor == ME for e in audit_rows(engine, kim))
    assert draft_row(engine, ada).state == "pending_review"

    output = result.output
    assert "approved by" in output and "rejected by" in output
    assert "blocked by guardrails" in output and "invented_code" in output
    assert "Unknown key 'x'" in output
    assert "[a]pprove [e]dit [r]eject re[g]enerate [s]kip [q]uit" in output
    assert "fact receipt" in output and "Cast Iron Skillet 10in" in output
    # The offline drafter cannot follow "warmer": the reviewer is told so before typing it.
    assert "varies the phrasing only and cannot follow an instruction" in output
    assert f"Review by {ME}" in output and "still waiting" in output


def test_campaign_review_approves_the_low_risk_rest_after_a_yes(engine: Engine) -> None:
    store = pending_store(engine, ("Maya", "Leo", "Zoe"))
    with unit_of_work(engine) as session:
        add_conversation(session, store.customers["Zoe"])
    result = review("--campaign", str(store.campaign_id), "--no-editor", script="l\ny\nq\n")
    assert result.exit_code == 0, result.output
    assert (
        "low-risk (bulk approvable)" in result.output and "held: open_conversation" in result.output
    )
    assert "approved 2 low-risk draft(s)" in result.output
    for name in ("Maya", "Leo"):
        row = draft_row(engine, store.drafts[name])
        assert (row.state, row.decided_by) == ("approved", ME)
    assert draft_row(engine, store.drafts["Zoe"]).state == "pending_review"


def test_a_campaign_review_shows_each_card_once(engine: Engine) -> None:
    store = pending_store(engine, ("Maya", "Leo"))
    result = review("--campaign", str(store.campaign_id), "--no-editor", script="x\ns\ns\n")
    assert result.exit_code == 0, result.output
    for name in ("Maya", "Leo"):
        # Once, though an unknown key was typed on Maya's card.
        assert result.output.count(f"#{store.drafts[name]} · {name} (C") == 1, result.output
    assert "low-risk (bulk approvable)" in result.output


def test_an_edit_is_shown_and_confirmed_before_it_approves(engine: Engine) -> None:
    store = pending_store(engine, ("Maya",))
    draft_id = store.drafts["Maya"]
    before = draft_row(engine, draft_id).body
    script = "e\nHi Maya, all good with the skillet? Sam at Ember & Oak\n.\nn\ns\n"
    result = review("--no-editor", script=script)
    assert result.exit_code == 0, result.output
    assert "The edited message:" in result.output and "Save and approve it" in result.output
    assert "Edit cancelled." in result.output
    row = draft_row(engine, draft_id)
    assert (row.state, row.body) == ("pending_review", before)


def test_editing_an_email_says_the_subject_comes_first(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        customer = add_customer(session, "Ada")
        draft_id = add_draft(session, customer, None, first_name="Ada", channel="email")
    text = "Hi Ada,\n\nHow is the Cast Iron Skillet 10in treating you?\n\nWarmly,\nSam"
    script = f"e\nHow is the skillet?\n{text}\n.\ny\n"
    result = review("--no-editor", script=script)
    assert result.exit_code == 0, result.output
    assert "Editing the email: the subject first, then the text." in result.output
    row = draft_row(engine, draft_id)
    assert (row.state, row.subject) == ("approved", "How is the skillet?"), result.output


def test_review_help_names_every_key() -> None:
    result = CliRunner().invoke(cli.app, ["review", "--help"])
    assert result.exit_code == 0
    for words in ("a approve", "e edit", "g regenerate", "--campaign, l approves"):
        assert words in " ".join(result.output.split()), result.output


def test_declining_the_bulk_approval_changes_nothing(engine: Engine) -> None:
    store = pending_store(engine, ("Maya",))
    result = review("--campaign", str(store.campaign_id), "--no-editor", script="l\nn\n")
    assert result.exit_code == 0, result.output
    assert draft_row(engine, store.drafts["Maya"]).state == "pending_review"


def test_unknown_campaign_and_nothing_to_review(engine: Engine) -> None:
    result = review("--campaign", "424242", script="")
    assert result.exit_code == 2 and "no campaign 424242" in result.output
    result = review(script="")
    assert result.exit_code == 0 and "Nothing to review." in result.output


def test_the_terminal_channel_shows_cards_outcomes_and_messages(engine: Engine) -> None:
    store = pending_store(engine, ("Maya",))
    draft_id = store.drafts["Maya"]
    console = Console(record=True, width=200)
    channel = TerminalReviewChannel(console, engine)
    assert isinstance(channel, ReviewChannel)

    channel.post_draft(draft_id)
    channel.post_campaign(store.campaign_id)
    text = console.export_text(clear=False)
    assert f"#{draft_id} · Maya (C" in text and "check_in / recent_buyers_14d" in text
    assert "sms, 2 segments" in text or "sms, 1 segment" in text
    assert "fact receipt" in text and "pending_review" in text
    assert "low-risk (bulk approvable)" in text

    with unit_of_work(engine) as session:
        service.decide(session, draft_id, action="reject", actor=Actor("slack:U1"), reason="[x]")
    channel.update_draft(draft_id)
    assert f"#{draft_id} rejected by slack:U1 at " in console.export_text(clear=False)
    assert ": [x]" in console.export_text(clear=False)

    with unit_of_work(engine) as session:
        message = Message(
            customer_id=store.customers["Maya"],
            direction="inbound",
            channel="sms",
            status="received",
            body="Is it oven safe?",
        )
        session.add(message)
        session.flush()
        message_id = message.id
    channel.post_conversation_message(message_id)
    channel.post_draft(999_999)
    text = console.export_text(clear=False)
    assert "Is it oven safe?" in text and "no draft 999999" in text


def test_edits_open_the_editor_prefilled(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    store = pending_store(engine, ("Maya",))
    draft_id = store.drafts["Maya"]
    # A real editor program: it rewrites the greeting in the file it is given.
    monkeypatch.setenv("EDITOR", "sed -i s/Hey/Hello/")
    result = review("--editor", script="e\ny\n")
    assert result.exit_code == 0, result.output
    row = draft_row(engine, draft_id)
    assert row.state == "approved" and row.body.startswith("Hello Maya,")
    assert row.original_body is not None and row.original_body.startswith("Hey Maya,")
    assert row.edit_distance == 3


def test_background_work_with_terminal_review_logs_ids_not_cards(engine: Engine) -> None:
    from assistant.config import get_settings
    from assistant.review.notices import NoticeReviewChannel
    from assistant.wiring import build_review_channel

    # The web service and the worker must not print cards (texts, names) into their log;
    # staff see them with `assistant review`, which prints them itself.
    channel = build_review_channel(get_settings(), engine)
    assert isinstance(channel, NoticeReviewChannel) and isinstance(channel, ReviewChannel)
