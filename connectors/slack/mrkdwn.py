"""Slack mrkdwn helpers shared by every card and modal: escaping, mentions and dates."""

from __future__ import annotations

from datetime import datetime

# Slack's limit on a section's text (and a context element's).
SECTION_MAX = 3000
# Slack's limit on one field of a section.
FIELD_MAX = 2000


def escape(text: str) -> str:
    """Text for mrkdwn: Slack's three control characters escaped (no mentions, no links).

    Every customer- or data-controlled value in mrkdwn (cards, modals, the notification
    `text` of a message) goes through this; plain_text objects are never parsed by Slack.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def actor_mention(actor: str | None) -> str:
    """`slack:U123` as a mention; other audit actors (`terminal:ann`, `api:key`) as text."""
    if not actor:
        return "someone"
    kind, _, name = actor.partition(":")
    if kind == "slack" and name:
        return f"<@{escape(name)}>"
    if kind == "system" or not name:
        return escape(kind)
    return f"{escape(name)} ({escape(kind)})"


def slack_date(moment: datetime | None) -> str:
    """A date Slack shows in each reader's own time zone, with a UTC fallback."""
    if moment is None:
        return "just now"
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"
