"""The terminal review channel: the ReviewChannel port printing cards with rich."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.text import Text
from sqlalchemy import Engine, select

from assistant.conversations.opt_outs import POSSIBLE_OPT_OUT_NOTE, flag_of
from assistant.db import unit_of_work
from assistant.models import Conversation, Customer, Message
from assistant.review.cards import campaign_table, draft_card, outcome_line
from assistant.review.views import campaign_view, draft_view


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
        if flag_of(message.direction, message.kind, message.body) is not None:
            self.console.print(Text(POSSIBLE_OPT_OUT_NOTE, style="bold yellow"))
        self.console.print(Panel(Text(message.body), title=escape(title), title_align="left"))
