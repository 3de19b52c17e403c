"""`assistant messages list`: what was sent, when, and why not."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from assistant.db import unit_of_work
from assistant.models import Customer, Message
from tests.campaigns.helpers import World, build
from tests.clitools import invoke


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> World:
    return build(engine, tmp_path / "outbox")


def _customer_of(engine: Engine, message_id: int) -> str:
    with unit_of_work(engine) as session:
        message = session.get(Message, message_id)
        assert message is not None
        customer = session.get(Customer, message.customer_id)
        assert customer is not None
        return customer.external_id


def test_lists_sent_and_cancelled_messages_with_the_reason(engine: Engine, world: World) -> None:
    assert invoke("campaigns", "cancel", str(world.campaign_id), "--reason", "typo").exit_code == 0
    result = invoke("messages", "list", "--campaign", str(world.campaign_id))
    assert result.exit_code == 0, result.output
    assert "Messages (2, newest first)" in result.output
    assert "campaign_cancelled: typo" in result.output
    assert "delivered" in result.output

    cancelled = invoke("messages", "list", "--status", "cancelled")
    assert "campaign_cancelled" in cancelled.output and "delivered" not in cancelled.output
    sent_to = _customer_of(engine, world.sent_message)
    mine = invoke("messages", "list", "--customer", sent_to)
    assert mine.exit_code == 0 and "Messages (1, newest first)" in mine.output
    assert sent_to in mine.output and "campaign_cancelled" not in mine.output
    assert "Messages (1, newest first)" in invoke("messages", "list", "--limit", "1").output


@pytest.mark.parametrize(
    "args,message",
    [
        (["--customer", "nobody"], "no customer 'nobody'"),
        (["--campaign", "31"], "no campaign 31 (see `assistant campaigns list`)"),
        (["--status", "sended"], "(did you mean 'sending' or 'sent'?)"),
    ],
)
def test_mistakes_are_one_line(engine: Engine, args: list[str], message: str) -> None:
    result = invoke("messages", "list", *args)
    assert result.exit_code == 2
    assert message in result.output
