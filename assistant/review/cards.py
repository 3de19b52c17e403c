"""Draft cards and campaign overviews as rich renderables, for the terminal review."""

from __future__ import annotations

from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from assistant.drafting.panels import draft_panel
from assistant.review.outcomes import when
from assistant.review.views import CampaignView, DraftView


def card_title(view: DraftView) -> str:
    """#id, who it is for, playbook and segment, channel (and SMS segments), state."""
    who = f"{view.first_name} ({view.customer})" if view.first_name else view.customer
    parts = [f"#{view.id}", who, view.playbook + (f" / {view.segment}" if view.segment else "")]
    channel = view.channel
    if view.sms_segments is not None:
        channel += f", {view.sms_segments} segment{'s' if view.sms_segments != 1 else ''}"
    parts += [channel, view.state + (" (regenerating)" if view.regenerating else "")]
    return escape(" · ".join(parts))


def outcome_line(view: DraftView) -> str:
    """One line on what became of the draft."""
    if view.decided_by:
        line = f"#{view.id} {view.state} by {view.decided_by} at {when(view.decided_at)}"
        return line + (f": {view.decision_note}" if view.decision_note else "")
    return f"#{view.id} is {view.state}" + (" (regenerating)" if view.regenerating else "")


def draft_card(view: DraftView) -> Panel:
    """The card: why this customer and what approving does, subject and text, findings, and
    the fact receipt the draft may use."""
    findings = [
        f"{f.severity} {f.code}: {f.message}" + (f' ("{f.excerpt}")' if f.excerpt else "")
        for f in view.findings
    ]
    rows = view.explanation.rows() if view.explanation is not None else []
    return draft_panel(card_title(view), view.body, view.subject, view.facts, findings, rows)


def campaign_table(view: CampaignView) -> Table:
    """Counts of a campaign's drafts by state and why drafts need an individual look."""
    table = Table(title=escape(f"Campaign {view.id}: {view.name} ({view.status})"))
    table.add_column("drafts")
    table.add_column("count", justify="right")
    for state, number in view.drafts.items():
        table.add_row(state, f"{number:,}")
    for reason, number in view.risk.items():
        if reason != "pending_review":
            label = "low-risk (bulk approvable)" if reason == "low_risk" else f"held: {reason}"
            table.add_row(label, f"{number:,}")
    return table
