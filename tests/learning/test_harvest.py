"""Harvest: an edited approval becomes one anonymised example; dedup; removal sticks; CLI."""

from __future__ import annotations

import json

from sqlalchemy import Engine, select

from assistant.db import unit_of_work
from assistant.learning import service as learning
from assistant.models import Customer, Draft, DraftExample, Product
from assistant.models.base import utcnow
from assistant.review import service
from assistant.review.actors import Actor
from tests.clitools import invoke
from tests.connectors.terminal.test_review import review
from tests.review.helpers import add_campaign, add_customer, add_draft, pending_store

ANA = Actor("terminal:ana")
EDIT = (
    "Hi {name}, how is the Cast Iron Skillet 10in treating you? If it needs seasoning tips, "
    "email help@emberandoak.com or call +1 555 010 9999. Warmly, Sam at Ember & Oak"
)
EXPECTED = (
    "Hi [first_name], how is the [product] treating you? If it needs seasoning tips, "
    "email [link] or call [link]. [signature]"
)


def examples(engine: Engine) -> list[DraftExample]:
    with unit_of_work(engine) as session:
        return list(session.execute(select(DraftExample).order_by(DraftExample.id)).scalars())


def customer_draft(
    engine: Engine, first: str, last: str | None = None, channel: str = "sms"
) -> int:
    with unit_of_work(engine) as session:
        customer_id = add_customer(session, first)
        row = session.get(Customer, customer_id)
        assert row is not None
        row.last_name = last
        campaign = add_campaign(session, channel)
        return add_draft(session, customer_id, campaign, first_name=first, channel=channel)


def edit(engine: Engine, draft_id: int, body: str) -> service.DecisionOutcome:
    with unit_of_work(engine) as session:
        return service.decide(session, draft_id, action="edit", actor=ANA, body=body)


def test_an_edited_approval_is_stored_anonymised_never_as_written(engine: Engine) -> None:
    # By email: accents would make an SMS this long too many UCS-2 segments.
    draft_id = customer_draft(engine, "José", "Núñez", channel="email")
    body = EDIT.format(name="José") + " PS: say hi to Biscuit for me, Mr Núñez!"
    assert edit(engine, draft_id, body).applied
    (example,) = examples(engine)
    assert example.text == EXPECTED + " PS: say hi to [name] for me, Mr [last_name]!"
    assert (example.playbook, example.channel, example.source_draft_id) == (
        "check_in",
        "email",
        draft_id,
    )
    for secret in ("José", "Jose", "Núñez", "Skillet", "emberandoak", "555", "Biscuit"):
        assert secret not in example.text
    assert example.fingerprint == learning.fingerprint(example.text)


def test_approvals_without_a_change_and_rejections_teach_nothing(engine: Engine) -> None:
    store = pending_store(engine, ("Maya", "Leo", "Ada"))
    with unit_of_work(engine) as session:
        service.decide(session, store.drafts["Maya"], action="approve", actor=ANA)
        service.decide(session, store.drafts["Leo"], action="reject", actor=ANA, reason="no")
        text = session.get_one(Draft, store.drafts["Ada"]).body
    # "Edit" that keeps the text as it was: approved, edit distance 0, nothing learned.
    assert edit(engine, store.drafts["Ada"], text).applied
    assert examples(engine) == []


def test_the_same_edit_twice_is_one_example_and_a_removed_one_never_returns(
    engine: Engine,
) -> None:
    drafts = [customer_draft(engine, name) for name in ("Maya", "Leo", "Zoë")]
    assert edit(engine, drafts[0], EDIT.format(name="Maya")).applied
    assert edit(engine, drafts[1], EDIT.format(name="Leo").replace("  ", " ")).applied
    (example,) = examples(engine)
    with unit_of_work(engine) as session:
        assert learning.selected(session, "check_in", "sms") == (EXPECTED,)
        removal = learning.remove(session, example.id, actor="cli", now=utcnow())
        assert removal.changed
        assert not learning.remove(session, example.id, actor="cli", now=utcnow()).changed
    assert edit(engine, drafts[2], EDIT.format(name="Zoë")).applied
    (kept,) = examples(engine)
    assert kept.removed_at is not None and kept.removed_by == "cli"
    with unit_of_work(engine) as session:
        assert learning.selected(session, "check_in", "sms") == ()
        assert learning.listing(session) == []


def test_catalog_product_names_and_short_names_are_taken_out(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        session.add(Product(external_id="TR2", name="Trail Runner 2 Size 9", short_name="TR2"))
        session.flush()
        known = learning.known_for(session, {"customer": {"first_name": "Ana"}}, None, None)
        text = "Hi Ana, the Trail Runner 2 (our TR2) is back."
        assert learning.anon.anonymise(text, known) == (
            "Hi [first_name], the [product] (our [product]) is back."
        )


def test_selection_prefers_distinct_openings_newest_first() -> None:
    texts = [
        "Hi [first_name], hope the [product] is great. A",
        "Hi [first_name], hope the [product] is fine. B",
        "Hi [first_name], quick hello about the [product]. C",
        "Hi [first_name], thanks again for your order. D",
        "Hi [first_name], thanks again for everything. E",
    ]
    assert learning.choose(texts) == (texts[0], texts[2], texts[3])
    assert learning.choose(texts[:2]) == tuple(texts[:2])


def test_terminal_review_edit_is_harvested_and_the_cli_lists_and_removes_it(
    engine: Engine,
) -> None:
    customer_draft(engine, "Zoe")
    script = "\n".join(["e", EDIT.format(name="Zoe"), ".", "y", "q"]) + "\n"
    assert review("--no-editor", script=script).exit_code == 0
    (example,) = examples(engine)
    assert example.text == EXPECTED

    listed = invoke("prompts", "examples", "--format", "json")
    assert listed.exit_code == 0, listed.output
    (row,) = json.loads(listed.stdout)
    assert (row["id"], row["playbook"], row["channel"], row["text"]) == (
        example.id,
        "check_in",
        "sms",
        EXPECTED,
    )
    table = invoke("prompts", "examples", "--playbook", "check_in")
    assert "[first_name]" in table.stdout and "Learned examples (1)" in table.stdout
    assert (
        json.loads(invoke("prompts", "examples", "--playbook", "upsell", "--format", "json").stdout)
        == []
    )

    removed = invoke("prompts", "examples", "remove", str(example.id))
    assert removed.exit_code == 0 and "removed" in removed.stdout
    again = invoke("prompts", "examples", "remove", str(example.id))
    assert again.exit_code == 0 and "was already removed" in again.stdout
    assert json.loads(invoke("prompts", "examples", "--format", "json").stdout) == []
    shown = json.loads(invoke("prompts", "examples", "--removed", "--format", "json").stdout)
    assert shown[0]["removed_by"] == "cli"


def test_cli_errors_are_one_line_exit_2(engine: Engine) -> None:
    for args, words in (
        (("prompts", "examples", "remove", "999"), "no learned example 999"),
        (("prompts", "examples", "remove", "0"), "no learned example 0"),
        (("prompts", "examples", "--playbook", "chek_in"), "did you mean"),
        (("prompts", "examples", "--channel", "fax"), "unknown channel"),
    ):
        result = invoke(*args)
        assert result.exit_code == 2, (args, result.output)
        assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_list_creates_the_embedded_database_on_first_use() -> None:
    # No `engine` fixture: the default SQLite file does not exist yet.
    result = invoke("prompts", "examples")
    assert result.exit_code == 0, result.output
    assert "No learned examples yet" in result.stdout
