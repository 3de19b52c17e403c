"""The fake Slack Web API answers the real slack-sdk like Slack does."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fakes.slack_server import BOT_TOKEN, FakeSlack


def test_post_update_and_read_back_with_the_real_sdk(fake: FakeSlack) -> None:
    client = WebClient(token=BOT_TOKEN, base_url=fake.api_url)
    assert client.auth_test()["user_id"] == "U0BOT"
    meta = {"event_type": "t", "event_payload": {"id": 1}}
    posted = client.chat_postMessage(channel="C1", text="hello", metadata=meta)
    reply = client.chat_postMessage(channel="C1", text="in thread", thread_ts=posted["ts"])
    client.chat_update(channel="C1", ts=posted["ts"], text="edited")
    history = client.conversations_history(channel="C1", include_all_metadata=True)
    assert [m["text"] for m in history["messages"]] == ["edited"]
    assert history["messages"][0]["metadata"] == meta
    replies = client.conversations_replies(channel="C1", ts=posted["ts"])
    assert [m["ts"] for m in replies["messages"]] == [posted["ts"], reply["ts"]]
    assert client.usergroups_users_list(usergroup="S0REVIEWERS")["users"] == ["U0CAROL"]
    assert client.users_info(user="U0ANN")["user"]["real_name"] == "Ann Reviewer"
    with pytest.raises(SlackApiError) as error:
        client.chat_update(channel="C1", ts="1.2", text="x")
    assert error.value.response["error"] == "message_not_found"


def test_errors_the_way_slack_sends_them(fake: FakeSlack) -> None:
    client = WebClient(token=BOT_TOKEN, base_url=fake.api_url, retry_handlers=[])
    fake.fail("chat.postMessage", status=429, retry_after=3)
    with pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel="C1", text="x")
    assert error.value.response.status_code == 429
    assert error.value.response.headers["Retry-After"] == "3"
    with pytest.raises(SlackApiError) as error:
        WebClient(token="xoxb-wrong", base_url=fake.api_url).auth_test()
    assert error.value.response["error"] == "invalid_auth"
    view = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": []}
    client.views_open(trigger_id="1.2.3", view=view)
    with pytest.raises(SlackApiError) as error:  # a trigger_id works once
        client.views_open(trigger_id="1.2.3", view=view)
    assert error.value.response["error"] == "invalid_trigger_id"
    too_long = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    with pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel="C1", text="x", blocks=[too_long])
    assert error.value.response["error"] == "invalid_blocks"
    fake.outage = "5xx"
    with pytest.raises(SlackApiError) as error:
        client.auth_test()
    assert error.value.response.status_code == 503
