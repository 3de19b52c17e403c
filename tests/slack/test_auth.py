"""Who may act: the allow-list, the user group (cached briefly), closed by default."""

from __future__ import annotations

from slack_sdk import WebClient

from connectors.slack.auth import Authorizer, parse_ids
from tests.fakes.slack_server import BOT_TOKEN, FakeSlack
from tests.slack.helpers import ANN, CAROL, EVE, GROUP


def test_allow_list_group_and_cache(fake: FakeSlack) -> None:
    now = [0.0]
    client = WebClient(token=BOT_TOKEN, base_url=fake.api_url)
    auth = Authorizer(client, users=parse_ids(f" {ANN} ,"), usergroup=GROUP, ttl=60,
                      clock=lambda: now[0])  # fmt: skip
    assert auth.allowed(ANN) and auth.allowed(CAROL) and not auth.allowed(EVE)
    assert not auth.allowed("")
    fake.usergroups[GROUP] = [EVE]
    assert auth.allowed(CAROL)  # cached for a minute
    now[0] = 61
    assert auth.allowed(EVE) and not auth.allowed(CAROL)
    assert len(fake.calls_of("usergroups.users.list")) == 2
    assert auth.display_name(ANN) == "Ann" and auth.display_name("U0NOBODY") is None
    assert auth.display_name(ANN) == "Ann" and len(fake.calls_of("users.info")) == 2


def test_nobody_without_settings_and_the_list_when_the_group_is_unreadable(
    fake: FakeSlack,
) -> None:
    client = WebClient(token=BOT_TOKEN, base_url=fake.api_url)
    assert not Authorizer(client).allowed(ANN)
    fake.outage = "5xx"
    auth = Authorizer(client, users=[ANN], usergroup=GROUP)
    assert auth.allowed(ANN) and not auth.allowed(CAROL)
