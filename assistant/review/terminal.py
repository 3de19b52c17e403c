"""The terminal review channel: draft cards and campaign overviews printed with rich."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine, select

from assistant.db import unit_of_work
from assistant.drafting.panels import draft_panel
from assistant.models import Conversation, Customer, Message
from assistant.review.outcomes import when
from assistant.review.views import CampaignView, DraftView, campaign_view, draft_view


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
    """The card: subject and text, findings, and the fact receipt the draft may use."""
    findings = [
        f"{f.severity} {f.code}: {f.message}" + (f' ("{f.excerpt}")' if f.excerpt else "")
        for f in view.findings
    ]
    return draft_panel(card_title(view), view.body, view.subject, view.facts, findings)


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


class TerminalReviewChannel:
    """ReviewChannel for `assistant review`: reads what it shows in its own unit of work."""

    def __init__(self, console: Console, engine: Engine | None = None) -> None:
        self.console = console
        self.engine = engine

    def post_draft(self, draft_id: int) -> None:
        """Print the draft's card."""
        with unit_of_work(self.engine) as session:
            view = draft_view(session, draft_id)
        if view is None:
            self.console.print(f"[red]no draft {draft_id}[/]")
            return
        self.console.print(draft_card(view))

    def update_draft(self, draft_id: int) -> None:
        """Print what became of the draft (the card again when it waits for review)."""
        with unit_of_work(self.engine) as session:
            view = draft_view(session, draft_id)
        if view is None:
            self.console.print(f"[red]no draft {draft_id}[/]")
        elif view.reviewable:
            self.console.print(draft_card(view))
        else:
            self.console.print(outcome_line(view), highlight=False, markup=False)

    def post_campaign(self, campaign_id: int) -> None:
        """Print the campaign's counts and a few sample drafts."""
        with unit_of_work(self.engine) as session:
            view = campaign_view(session, campaign_id)
        if view is None:
            self.console.print(f"[red]no campaign {campaign_id}[/]")
            return
        self.console.print(campaign_table(view))
        for sample in view.samples:
            self.console.print(draft_card(sample))

    def post_conversation_message(self, message_id: int) -> None:
        """Print a customer's inbound message with its conversation."""
        with unit_of_work(self.engine) as session:
            row = session.execute(
                select(Message, Customer.external_id, Conversation.id)
                .join(Customer, Customer.id == Message.customer_id)
                .outerjoin(Conversation, Conversation.id == Message.conversation_id)
                .where(Message.id == message_id)
            ).first()
        if row is None:
            self.console.print(f"[red]no message {message_id}[/]")
            return
        message, external, conversation_id = row
        word = "to" if message.direction == "outbound" else "from"
        title = f"message #{message.id} {word} {external} ({message.channel})"
        if conversation_id is not None:
            title += f" · conversation #{conversation_id}"
        self.console.print(Panel(Text(message.body), title=escape(title), title_align="left"))
