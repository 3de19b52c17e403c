"""An edit approved from a Slack card is learned like any other: anonymised, once."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from assistant.db import unit_of_work
from assistant.models import DraftExample
from connectors.slack.actions import ActionId, BlockId
from tests.fakes.slack_server import FakeSlack
from tests.slack.helpers import BOB, click, post, submit
from tests.slack.seed import Store
from tests.slack.test_interactions import Card, card, draft_row, modal, updated

__all__ = ["card"]  # the fixture, shared with the interaction tests


def test_a_slack_edit_becomes_an_anonymised_example(
    engine: Engine, fake: FakeSlack, web: TestClient, store: Store, card: Card
) -> None:
    draft_id = store.drafts[1]
    before = draft_row(engine, draft_id)
    name = before.facts["customer"]["first_name"]
    shown = card(draft_id)
    post(web, click(shown, ActionId.EDIT, BOB))
    edited = before.body.replace("you might enjoy", "I think you would love")
    assert post(web, submit(modal(fake), BOB, {BlockId.BODY: edited})).status_code == 200
    updated(fake, shown)
    with unit_of_work(engine) as session:
        (example,) = session.execute(select(DraftExample)).scalars()
        assert (example.playbook, example.channel, example.source_draft_id) == (
            "upsell",
            "sms",
            draft_id,
        )
        assert example.text == (
            "Hi [first_name], Sam at Ember & Oak here. Since you keep coming back to our "
            "[product], I think you would love the [upgrade] next time. Just reply if you "
            "have questions. Warmly, Sam"
        )
        assert name not in example.text
