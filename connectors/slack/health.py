"""`assistant doctor`'s check of the Slack app: the token works and the channel is reachable."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from assistant.config import Settings
from assistant.doctor.schemas import Check, first_line
from connectors.slack.transport import build_client


def check_slack(settings: Settings) -> Check:
    """`auth.test` with the bot token, then `conversations.info` on the review channel."""
    slack = settings.slack
    name = "slack"
    if slack.bot_token is None:
        return Check.problem(name, "SLACK_BOT_TOKEN is not set", "set the app's bot token")
    client = build_client(slack.bot_token.get_secret_value(), slack.api_url, timeout=10)
    try:
        auth = client.auth_test()
    except SlackApiError as exc:
        return Check.problem(
            name, f"auth.test: {exc.response.get('error')}", "check SLACK_BOT_TOKEN"
        )
    except Exception as exc:
        return Check.problem(name, first_line(exc), "check the network and SLACK_API_URL")
    team = auth.get("team") or auth.get("team_id")
    if not slack.review_channel:
        return Check.problem(
            name, f"token works for {team}; SLACK_REVIEW_CHANNEL is not set", "set it"
        )
    try:
        info = client.conversations_info(channel=slack.review_channel)
    except SlackApiError as exc:
        error = exc.response.get("error")
        return Check.problem(
            name,
            f"channel {slack.review_channel}: {error}",
            "check SLACK_REVIEW_CHANNEL (a channel id) and invite the app to it",
        )
    channel = info.get("channel") or {}
    if not channel.get("is_member", True) and not channel.get("is_private", False):
        return Check.ok(
            name, f"{team}: channel {slack.review_channel} is public (posting as non-member)"
        )
    return Check.ok(name, f"{team}: channel {slack.review_channel} reachable")
