"""`assistant drafts show ID` and `assistant drafts export`: one draft in full, all as rows."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from sqlalchemy.orm import Session

from assistant.commandline.choices import choose
from assistant.commandline.errors import UserError
from assistant.commandline.output import cell, console, print_json
from assistant.db import unit_of_work
from assistant.drafting import campaigns
from assistant.drafting.detail import EXPORT_COLUMNS, UnknownDraft, draft_detail, export_rows
from assistant.models import DraftState
from assistant.models.base import utcnow
from assistant.review.explain import explain_draft
from assistant.values import plain, spreadsheet_row

STATES = [state.value for state in DraftState]


class ShowFormat(StrEnum):
    text = "text"
    json = "json"


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"


def known_campaign(session: Session, campaign_id: int | None) -> None:
    """A UserError for a campaign id that does not exist."""
    if campaign_id is None:
        return
    try:
        campaigns.get_campaign(session, campaign_id)
    except campaigns.CampaignNotFound:
        raise UserError(f"no campaign {campaign_id} (see `assistant campaigns list`)") from None


def known_status(status: str | None) -> str | None:
    """The draft state, or a UserError with a "did you mean"."""
    return None if status is None else choose(status, STATES, what="status")


def _history_line(entry: dict[str, Any]) -> str:
    moved = f" {entry['from_state'] or '-'} → {entry['to_state']}" if entry["to_state"] else ""
    line = f"{cell(entry['at'])}  {entry['actor']}  {entry['action']}{moved}"
    for key in ("note", "reason", "instruction"):
        if entry.get(key):
            line += f"\n    {key}: {entry[key]}"
    before, after = entry.get("before"), entry.get("after")
    if entry["action"] == "draft.edited" and isinstance(before, dict) and isinstance(after, dict):
        for label, text in (("before", before), ("after", after)):
            subject = f"[{text.get('subject')}] " if text.get("subject") else ""
            line += f"\n    {label}: {subject}{text.get('body', '')}"
    return line


def _show(found: dict[str, Any]) -> Group:
    facts = Table(show_header=False, box=None)
    facts.add_column("what", style="bold", no_wrap=True)
    facts.add_column("value", overflow="fold")
    customer = found["customer"]
    for label, value in (
        ("customer", f"{customer['id']} ({customer['first_name'] or 'no first name'})"),
        ("campaign", found["campaign_id"]),
        ("playbook", found["playbook"]),
        ("channel", found["channel"]),
        ("state", found["state"]),
        ("created", found["created_at"]),
        (
            "decided",
            f"{cell(found['decided_at'])} by {found['decided_by']}" if found["decided_by"] else "",
        ),
    ):
        facts.add_row(label, cell(value))
    message = found["message"]
    if message is None:
        facts.add_row("message", "none yet")
    else:
        why = " ".join(str(v) for v in (message["reason"], message["detail"]) if v)
        facts.add_row(
            "message",
            f"{message['state']}; scheduled {cell(message['scheduled_for']) or '-'}, "
            f"sent {cell(message['sent_at']) or '-'}" + (f"; {why}" if why else ""),
        )
    text = Text()
    if found["subject"]:
        text.append(f"Subject: {found['subject']}\n\n", style="bold")
    text.append(found["body"])
    findings = [
        f"{item.get('severity', '')} {item.get('code', '')}: {item.get('message', '')}".strip()
        for item in found["findings"]
        if isinstance(item, dict)
    ]
    receipt = json.dumps(found["facts"], ensure_ascii=False, indent=2, default=str)
    history = "\n".join(_history_line(e) for e in found["history"]) or "none"
    reasons = Table(show_header=False, box=None)
    reasons.add_column("what", style="bold", no_wrap=True)
    reasons.add_column("value", overflow="fold")
    explanation = found.get("explanation") or {}
    for label, value in explanation.get("rows", []):
        reasons.add_row(label, value)
    return Group(
        facts,
        reasons,
        Panel(text, title=f"Draft {found['id']}", title_align="left"),
        Text("guardrail findings: " + ("; ".join(findings) or "none")),
        Text("decisions and transitions:\n" + history),
        Panel(Text(receipt), title="fact receipt", title_align="left", style="dim"),
    )


def show_command(
    draft_id: Annotated[int, typer.Argument(metavar="ID", help="The draft's id.")],
    output: Annotated[ShowFormat, typer.Option("--format", help="text or json.")] = ShowFormat.text,
) -> None:
    """One draft in full: customer, text, fact receipt, findings, decisions, its message."""
    try:
        with unit_of_work() as session:
            found = draft_detail(session, draft_id)
            explained = explain_draft(session, draft_id, now=utcnow())
    except UnknownDraft as exc:
        raise UserError(str(exc)) from None
    # What the review card explains: why this customer, metrics, destination, consent, send time.
    found["explanation"] = (
        {**explained.as_dict(), "rows": explained.rows()} if explained is not None else None
    )
    if output == ShowFormat.json:
        print_json(_plain(found))
        return
    console.print(_show(found))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return plain(value)


@contextmanager
def _target(out: Path | None) -> Iterator[TextIO]:
    if out is None:
        yield sys.stdout
        return
    with out.open("w", encoding="utf-8", newline="") as handle:
        yield handle


def export_command(
    output: Annotated[ExportFormat, typer.Option("--format", help="csv or json.")],
    campaign: Annotated[int | None, typer.Option(help="Only this campaign's drafts.")] = None,
    status: Annotated[str | None, typer.Option(help="Only drafts in this state.")] = None,
    out: Annotated[
        Path | None, typer.Option(dir_okay=False, help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Every draft as one row: customer, text, findings, decision, its message's state."""
    state = known_status(status)
    count = 0
    with unit_of_work() as session:
        known_campaign(session, campaign)
        rows = export_rows(session, campaign_id=campaign, state=state)
        with _target(out) as handle:
            if output == ExportFormat.csv:
                writer = csv.writer(handle)
                writer.writerow(EXPORT_COLUMNS)
                for row in rows:
                    row["findings"] = " ".join(row["findings"])
                    cells = ["" if v is None else plain(v) for v in row.values()]
                    writer.writerow(spreadsheet_row(cells))
                    count += 1
            else:
                handle.write("[")
                for row in rows:
                    handle.write(",\n  " if count else "\n  ")
                    handle.write(json.dumps(_plain(row), ensure_ascii=False))
                    count += 1
                handle.write("\n]\n" if count else "]\n")
    if out is not None:
        console.print(f"wrote {count:,} draft(s) to {out}")
