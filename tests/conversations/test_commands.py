"""`assistant conversations list|show|reply`: the Slack reply path, from the terminal."""

from __future__ import annotations

import getpass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.conversations import replies
from assistant.db import unit_of_work
from assistant.jobs.registry import get_task
from assistant.models import DraftState
from assistant.review.actors import Actor
from tests.clitools import invoke
from tests.conversations.helpers import (
    conversations,
    draft_audit,
    drafts,
    messages,
    seed_outreach,
    text_from,
)
from tests.fakes.twilio_server import FakeTwilioServer

ME = f"terminal:{getpass.getuser()}"
STRANGER = "+14155559876"
BLOCKED = "Hi Maya, use code SAVE50 for 50% off your next order!"
FINE = "Hi Maya, yes: the skillet is oven safe up to 500F. Just reply if you need anything. - Sam"


def _asked(engine: Engine, web: TestClient, question: str = "Is the skillet oven safe?") -> int:
    """A customer we texted asks something; the conversation's id (with a suggestion)."""
    seeded = seed_outreach(engine)
    text_from(web, seeded.phone, question)
    [conversation] = conversations(engine, seeded.customer_id)
    return conversation.id


def _sent_bodies(twilio: FakeTwilioServer) -> list[str | None]:
    return [create.field("Body") for create in twilio.creates()]


def test_list_shows_conversations_and_unknown_senders_masked(
    engine: Engine, web: TestClient
) -> None:
    open_id = _asked(engine, web)
    closed = seed_outreach(engine, first_name="Leo [vip]")  # shown as written, not as markup
    text_from(web, closed.phone, "Where is my order?")
    text_from(web, closed.phone, "STOP")
    text_from(web, STRANGER, "Hi, is this the skillet shop?")

    result = invoke("conversations", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    [maya] = [line for line in lines if f" {open_id} " in line and "Maya" in line]
    assert "open" in maya and "waiting" in maya and " sms " in maya
    [leo] = [line for line in lines if "Leo [vip]" in line]
    assert "closed" in leo and "waiting" not in leo
    [stranger] = [line for line in lines if "unknown sender" in line]
    assert "+1415•••9876" in stranger and "flagged" in stranger and " u" in stranger
    assert STRANGER not in result.output

    only_open = invoke("conversations", "list", "--open")
    assert "Maya" in only_open.output and "unknown sender" in only_open.output
    assert "Leo" not in only_open.output


def test_show_prints_the_thread_in_order_with_the_suggestion(
    engine: Engine, web: TestClient
) -> None:
    conversation_id = _asked(engine, web)
    [suggestion] = drafts(engine, playbook="reply")
    result = invoke("conversations", "show", str(conversation_id))
    assert result.exit_code == 0, result.output
    output = result.output
    assert output.index("Cast Iron Skillet 10in treating you") < output.index("oven safe?")
    assert "→ customer  delivered" in output and "customer →  received" in output
    assert f"suggested reply #{suggestion.id} · pending_review" in output
    assert suggestion.body.split("\n")[0][:40] in output
    assert "findings" in output or "no guardrail findings" in output

    text_from(web, STRANGER, "Hello?")
    listed = invoke("conversations", "list").output
    ref = next(
        w
        for line in listed.splitlines()
        if "unknown sender" in line
        for w in line.split()
        if w.startswith("u")
    )
    shown = invoke("conversations", "show", ref)
    assert shown.exit_code == 0 and "Hello?" in shown.output and "unknown sender" in shown.output

    for bad in ("424242", "nope", "u999"):
        missing = invoke("conversations", "show", bad)
        assert missing.exit_code == 2 and missing.output.count("\n") == 1
        assert f"error: no conversation '{bad}'" in missing.output


def test_approve_sends_the_suggestion_once_as_the_terminal_user(
    engine: Engine, web: TestClient, twilio: FakeTwilioServer
) -> None:
    conversation_id = _asked(engine, web)
    [suggestion] = drafts(engine, playbook="reply")
    result = invoke("conversations", "reply", str(conversation_id), "--approve")
    assert result.exit_code == 0, result.output
    assert f"approved by {getpass.getuser()}" in result.output
    assert f"reply #{suggestion.id}: sent" in result.output
    [approved] = drafts(engine, id=suggestion.id)
    assert (approved.state, approved.decided_by) == (DraftState.SENT, ME)
    assert ("pending_review", "approved", "draft.approved") in draft_audit(engine, suggestion.id)
    for _ in range(2):
        get_task("delivery.tick")()
    assert _sent_bodies(twilio) == [suggestion.body]
    [reply] = [m for m in messages(engine, draft_id=suggestion.id)]
    assert (reply.kind, reply.conversation_id) == ("conversation", conversation_id)

    again = invoke("conversations", "reply", str(conversation_id), "--approve")
    assert again.exit_code == 1 and "no suggested reply waiting" in again.output
    assert len(twilio.creates()) == 1


def test_interactive_approve(engine: Engine, web: TestClient, twilio: FakeTwilioServer) -> None:
    conversation_id = _asked(engine, web)
    [suggestion] = drafts(engine, playbook="reply")
    result = invoke("conversations", "reply", str(conversation_id), "--no-editor", input="x\na\n")
    assert result.exit_code == 0, result.output
    assert "Unknown key 'x'" in result.output and "[a]pprove [e]dit [w]rite [q]uit" in result.output
    assert _sent_bodies(twilio) == [suggestion.body]
    assert drafts(engine, id=suggestion.id)[0].decided_by == ME


def test_an_edit_is_checked_shown_and_confirmed_before_it_goes(
    engine: Engine, web: TestClient, twilio: FakeTwilioServer
) -> None:
    conversation_id = _asked(engine, web)
    [suggestion] = drafts(engine, playbook="reply")
    script = "\n".join(
        ["e", BLOCKED, ".", "e", FINE, ".", "n", "e", FINE, ".", "y"]  # blocked, declined, sent
    )
    result = invoke("conversations", "reply", str(conversation_id), "--no-editor", input=script)
    assert result.exit_code == 0, result.output
    assert "blocked by guardrails (" in result.output and "block invented_code" in result.output
    assert "Not sent." in result.output and "edited and approved by" in result.output
    [edited] = drafts(engine, id=suggestion.id)
    assert edited.body == FINE and edited.original_body == suggestion.body
    assert edited.decided_by == ME and edited.edit_distance
    assert ("pending_review", "approved", "draft.edited") in draft_audit(engine, suggestion.id)
    assert _sent_bodies(twilio) == [FINE]


def test_writing_your_own_reply_supersedes_the_suggestion(
    engine: Engine, web: TestClient, twilio: FakeTwilioServer
) -> None:
    conversation_id = _asked(engine, web)
    [suggestion] = drafts(engine, playbook="reply")
    result = invoke(
        "conversations", "reply", str(conversation_id), "--no-editor", input=f"w\n{FINE}\n.\ny\n"
    )
    assert result.exit_code == 0, result.output
    assert drafts(engine, id=suggestion.id)[0].state == DraftState.CANCELLED
    [own] = [d for d in drafts(engine, playbook="reply") if d.id != suggestion.id]
    assert (own.body, own.decided_by, own.model) == (FINE, ME, "staff")
    assert _sent_bodies(twilio) == [FINE]

    quit_ = invoke("conversations", "reply", str(conversation_id), "--no-editor", input="q\n")
    assert quit_.exit_code == 0 and "Nothing sent." in quit_.output
    assert len(twilio.creates()) == 1


def test_text_refused_by_guardrails_sends_nothing(
    engine: Engine, web: TestClient, twilio: FakeTwilioServer
) -> None:
    conversation_id = _asked(engine, web)
    result = invoke("conversations", "reply", str(conversation_id), "--text", BLOCKED)
    assert result.exit_code == 1
    assert "blocked by guardrails" in result.output and "invented_code" in result.output
    assert len(drafts(engine, playbook="reply")) == 1  # only the suggestion
    get_task("delivery.tick")()
    assert twilio.creates() == []


def test_an_opted_out_customer_is_refused(
    engine: Engine, web: TestClient, twilio: FakeTwilioServer
) -> None:
    seeded = seed_outreach(engine)
    text_from(web, seeded.phone, "Where is my order?")
    [conversation] = conversations(engine, seeded.customer_id)
    conversation_id = conversation.id
    text_from(web, seeded.phone, "STOP")

    by_flag = invoke("conversations", "reply", str(conversation_id), "--text", "It ships today.")
    assert by_flag.exit_code == 1 and "cannot text this customer (opted out)" in by_flag.output
    approve = invoke("conversations", "reply", str(conversation_id), "--approve")
    assert approve.exit_code == 1 and "opted out" in approve.output
    keys = invoke("conversations", "reply", str(conversation_id), "--no-editor", input="w\n")
    assert keys.exit_code == 1 and "Replies cannot go out: opted out." in keys.output
    get_task("delivery.tick")()
    assert twilio.creates() == []


def test_unknown_senders_cannot_be_replied_to_and_flags_are_exclusive(
    engine: Engine, web: TestClient
) -> None:
    text_from(web, STRANGER, "Hello?")
    listed = invoke("conversations", "list").output
    ref = next(w for w in listed.split() if w.startswith("u") and w[1:].isdigit())
    result = invoke("conversations", "reply", ref, "--text", "Hi!")
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert "unknown sender +1415•••9876" in result.output and "no customer" in result.output
    missing = invoke("conversations", "reply", "424242", "--approve")
    assert missing.exit_code == 2 and "no conversation '424242'" in missing.output
    both = invoke("conversations", "reply", "1", "--approve", "--text", "x")
    assert both.exit_code == 2 and "not both" in both.output


def test_a_suggestion_that_changed_since_it_was_shown_is_not_approved(
    engine: Engine, web: TestClient, twilio: FakeTwilioServer
) -> None:
    conversation_id = _asked(engine, web)
    [suggestion] = drafts(engine, playbook="reply")
    with unit_of_work(engine) as session:
        outcome = replies.decide_suggestion(
            session, conversation_id, suggestion.id, Actor(ME), version=suggestion.version - 1
        )
    assert not outcome.applied and "changed since it was shown" in outcome.message
    assert drafts(engine, id=suggestion.id)[0].state == DraftState.PENDING_REVIEW
    assert twilio.creates() == []


def test_edits_open_the_editor_prefilled_with_the_suggestion(
    engine: Engine, web: TestClient, twilio: FakeTwilioServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    conversation_id = _asked(engine, web)
    [suggestion] = drafts(engine, playbook="reply")
    # A real editor program: it rewrites the greeting in the file it is given.
    monkeypatch.setenv("EDITOR", "sed -i s/Maya/there/g")
    result = invoke("conversations", "reply", str(conversation_id), "--editor", input="e\ny\n")
    assert result.exit_code == 0, result.output
    expected = suggestion.body.replace("Maya", "there")
    assert drafts(engine, id=suggestion.id)[0].body == expected
    assert _sent_bodies(twilio) == [expected]
