"""What a Slack interaction is about: the card a click or a modal names, and typed input."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assistant.drafting.guardrails import Finding
from connectors.slack import blocks as kit
from connectors.slack.actions import INPUT_ACTION, BlockId

# The longest error text Slack shows under a modal's input.
ERROR_MAX = 300


@dataclass(frozen=True)
class Where:
    """The card a click or modal is about, and who acted."""

    user: str
    draft_id: int
    version: int | None
    channel: str | None
    ts: str | None
    thread_ts: str | None

    def meta(self) -> str:
        return kit.metadata(
            {"d": self.draft_id, "v": self.version, "c": self.channel, "t": self.ts,
             "th": self.thread_ts}
        )  # fmt: skip

    @classmethod
    def from_click(cls, body: Mapping[str, Any]) -> Where:
        action = (body.get("actions") or [{}])[0]
        draft_id, version = kit.parse_button_value(str(action.get("value", "")))
        container = body.get("container") or {}
        message = body.get("message") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
        thread = container.get("thread_ts") or message.get("thread_ts")
        return cls(
            user=str((body.get("user") or {}).get("id", "")),
            draft_id=draft_id,
            version=version,
            channel=channel,
            ts=container.get("message_ts") or message.get("ts"),
            thread_ts=thread,
        )

    @classmethod
    def from_view(cls, body: Mapping[str, Any]) -> Where:
        meta = json.loads((body.get("view") or {}).get("private_metadata") or "{}")
        return cls(
            user=str((body.get("user") or {}).get("id", "")),
            draft_id=int(meta["d"]),
            version=meta.get("v"),
            channel=meta.get("c"),
            ts=meta.get("t"),
            thread_ts=meta.get("th"),
        )


def input_value(body: Mapping[str, Any], block: BlockId) -> str | None:
    """The text typed into a modal's input block, or None when empty."""
    values = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    value = (values.get(block) or {}).get(INPUT_ACTION) or {}
    text = value.get("value")
    return str(text) if text not in (None, "") else None


def field_errors(findings: list[Finding], has_subject: bool) -> dict[str, str]:
    """Blocking findings as `response_action: errors`, keyed by the input they are about."""
    errors: dict[str, list[str]] = {}
    for item in findings:
        if item.severity != "block":
            continue
        block = (
            BlockId.SUBJECT
            if has_subject and item.code.startswith("email_subject")
            else BlockId.BODY
        )
        text = item.message + (f' ("{item.excerpt[:60]}")' if item.excerpt else "")
        errors.setdefault(block, []).append(text)
    return {block: "; ".join(texts)[:ERROR_MAX] for block, texts in errors.items()}
