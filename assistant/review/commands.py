"""`assistant review [--campaign ID]`: decide on drafts one by one at the terminal.

Keys: a approve, e edit, r reject, g regenerate, s skip, q quit (l: approve the campaign's
low-risk rest, after a confirmation; o: override a blocked draft's findings, with a reason).
Every decision goes through `assistant.review.service` exactly as a Slack click does, one
unit of work each, acting as `terminal:<os user>`. Actions are read line by line from
standard input, so the review can be scripted
(`printf 'a\\nr\\ntoo pushy\\nq\\n' | assistant review`); when the terminal is interactive,
edits open $EDITOR prefilled with the text, otherwise the new text follows on the next lines,
ended by a line holding only a dot.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from assistant.commandline.editing import read_text
from assistant.db import get_engine, unit_of_work
from assistant.models import Campaign
from assistant.review import risk, service, tasks
from assistant.review.actors import Actor, terminal_actor
from assistant.review.cards import campaign_table, draft_card
from assistant.review.views import DraftView, campaign_view, draft_view, reviewable_ids
from assistant.wiring import build_drafter, terminal_review_channel

KEYS = "[a]pprove [e]dit [r]eject re[g]enerate [s]kip [q]uit"


class _Quit(Exception):
    """The reviewer quit, or the script of actions ran out."""


class TerminalReview:
    """One review session at the terminal."""

    def __init__(
        self,
        console: Console,
        *,
        actor: Actor,
        campaign_id: int | None,
        editor: bool,
    ) -> None:
        self.console = console
        self.actor = actor
        self.campaign_id = campaign_id
        self.editor = editor
        self.engine = get_engine()
        self.channel = terminal_review_channel(console, self.engine)
        self.done: Counter[str] = Counter()

    def ask(self, prompt: str) -> str:
        """One line of input; _Quit at end of input."""
        try:
            return self.console.input(f"[bold]{escape(prompt)}[/] ").strip()
        except EOFError:
            raise _Quit from None

    def _view(self, draft_id: int) -> DraftView | None:
        with unit_of_work(self.engine) as session:
            return draft_view(session, draft_id)

    def _say(self, outcome: service.DecisionOutcome) -> None:
        style = "green" if outcome.applied else "yellow"
        self.console.print(f"[{style}]#{outcome.draft_id}:[/] ", end="")
        self.console.print(outcome.message, markup=False, highlight=False)
        for item in outcome.findings:
            colour = "red" if item.severity == "block" else "yellow"
            excerpt = f' ("{item.excerpt}")' if item.excerpt else ""
            self.console.print(f"  [{colour}]{item.severity}[/] ", end="")
            self.console.print(f"{item.code}: {item.message}{excerpt}", markup=False)

    def run(self) -> None:
        """Review every draft waiting for a decision, then print what was done."""
        with unit_of_work(self.engine) as session:
            if self.campaign_id is not None:
                # Counts only: the drafts themselves follow one card at a time.
                overview = campaign_view(session, self.campaign_id)
                if overview is not None:
                    self.console.print(campaign_table(overview))
            ids = reviewable_ids(session, self.campaign_id)
        if not ids:
            self.console.print("Nothing to review.")
            return
        self.console.print(f"{len(ids):,} draft(s) to review. {KEYS}", markup=False)
        try:
            for draft_id in ids:
                self.review(draft_id)
        except _Quit:
            pass
        self.console.print(self.summary())

    def review(self, draft_id: int) -> None:
        """Show one draft and act on keys until it is decided or skipped."""
        shown: int | None = None
        while True:
            view = self._view(draft_id)
            if view is None or not view.reviewable:
                return  # decided elsewhere meanwhile (or in bulk)
            if shown != view.version:  # the card again only when the draft changed
                self.console.print(draft_card(view))
                shown = view.version
            blocked = view.state == "needs_attention"
            if blocked:
                self.console.print(
                    "[red]blocked by guardrails:[/] edit it to approve, or [o]verride the "
                    "findings with a reason."
                )
            extra = (" [o]verride" if blocked else "") + (
                " [l]ow-risk rest" if self.campaign_id else ""
            )
            key = self.ask(KEYS + extra + ":").lower()
            if key == "q":
                raise _Quit
            if key == "s":
                self.done["skipped"] += 1
                return
            if key in ("a", "r", "e") and self.decide(view, key):
                return
            if key == "g":
                self.regenerate(view)
            elif key == "l" and self.campaign_id is not None:
                self.low_risk(self.campaign_id)
            elif key == "o" and blocked:
                self.override(view)
            elif key not in ("a", "r", "e", "g"):
                self.console.print(f"Unknown key {key!r}. {KEYS}", markup=False)

    def decide(self, view: DraftView, key: str) -> bool:
        """Approve, reject or edit; whether the draft is done with."""
        action: service.Action
        body: str | None = None
        subject: str | None = None
        reason: str | None = None
        if key == "a":
            action = "approve"
        elif key == "r":
            action = "reject"
            reason = self.ask("Reason (optional):") or None
        else:
            action = "edit"
            subject = view.subject
            if view.channel == "email":
                self.console.print("Editing the email: the subject first, then the text.")
                subject = self.ask(f"Subject (Enter keeps {view.subject!r}):") or view.subject
            body = self.edited_text(view.body)
            if body is None or not self.confirm_edit(
                subject if view.channel == "email" else None, body
            ):
                self.console.print("Edit cancelled.")
                return False
        with unit_of_work(self.engine) as session:
            outcome = service.decide(
                session,
                view.id,
                action=action,
                actor=self.actor,
                body=body,
                subject=subject,
                reason=reason,
            )
        self._say(outcome)
        if outcome.applied:
            self.done[{"approve": "approved", "edit": "edited", "reject": "rejected"}[action]] += 1
            return True
        return outcome.state not in ("pending_review", "needs_attention")

    def confirm_edit(self, subject: str | None, body: str) -> bool:
        """Show the edited message and ask before it is saved and approved."""
        self.console.print("The edited message:", style="bold")
        if subject:
            self.console.print(f"Subject: {subject}", markup=False, highlight=False)
        self.console.print(body, markup=False, highlight=False)
        answer = self.ask("Save and approve it (guardrails run first)? [y/n]:").lower()
        return answer in ("y", "yes")

    def edited_text(self, current: str) -> str | None:
        """The reviewer's new text: $EDITOR, or lines up to a lone dot; None when cancelled."""
        return read_text(self.console, current, editor=self.editor, prompt="New text")

    def regenerate(self, view: DraftView) -> None:
        """Ask for a new text with an optional instruction, and write it now."""
        from assistant.config import get_settings
        from assistant.review.outcomes import OFFLINE_INSTRUCTION_NOTE

        offline = get_settings().llm.provider == "offline"
        if offline:
            self.console.print(OFFLINE_INSTRUCTION_NOTE, style="yellow", markup=False)
        instruction = self.ask("Instruction (optional, e.g. warmer, shorter):") or None
        with unit_of_work(self.engine) as session:
            asked = service.request_regeneration(
                session, view.id, actor=self.actor, instruction=instruction
            )
        if not asked.applied:
            self._say(asked)
            return
        with self.console.status("regenerating..."):
            outcome = tasks.regenerate_draft(
                view.id,
                instruction,
                build_drafter=build_drafter,
                actor_id=self.actor.id,
                engine=self.engine,
            )
        self._say(outcome)
        if outcome.applied:
            self.done["regenerated"] += 1

    def override(self, view: DraftView) -> None:
        """Override the blocking findings with a reason; the draft can then be approved."""
        reason = self.ask("Reason for the override (required):")
        with unit_of_work(self.engine) as session:
            outcome = service.override(session, view.id, actor=self.actor, reason=reason)
        self._say(outcome)
        if outcome.applied:
            self.done["overridden"] += 1

    def low_risk(self, campaign_id: int) -> None:
        """Approve the campaign's low-risk drafts after a yes."""
        policy = risk.RiskPolicy.from_settings()
        with unit_of_work(self.engine) as session:
            count = len(risk.low_risk_drafts(session, campaign_id, policy))
        if not count:
            self.console.print("No low-risk drafts left in this campaign.")
            return
        answer = self.ask(f"Approve {count:,} low-risk draft(s) of campaign {campaign_id}? [y/N]")
        if answer.lower() not in ("y", "yes"):
            return
        with unit_of_work(self.engine) as session:
            approved = service.approve_low_risk(session, campaign_id, self.actor, policy)
        self.done["approved (low-risk)"] += approved
        self.console.print(f"[green]approved {approved:,} low-risk draft(s)[/]")

    def summary(self) -> Table:
        """What this session did."""
        table = Table(title=f"Review by {self.actor.id}")
        table.add_column("done")
        table.add_column("drafts", justify="right")
        done = (
            "approved",
            "edited",
            "rejected",
            "regenerated",
            "overridden",
            "approved (low-risk)",
        )
        for what in done:
            table.add_row(what, f"{self.done[what]:,}")
        table.add_row("skipped", f"{self.done['skipped']:,}")
        with unit_of_work(self.engine) as session:
            left = len(reviewable_ids(session, self.campaign_id))
        table.add_row("still waiting", f"{left:,}")
        return table


def review_command(
    campaign: Annotated[int | None, typer.Option(help="Only this campaign's drafts.")] = None,
    editor: Annotated[
        bool | None,
        typer.Option(
            "--editor/--no-editor",
            help="Edit in $EDITOR (default: when the terminal is interactive).",
        ),
    ] = None,
) -> None:
    """Review drafts at the terminal, one card at a time.

    Keys: a approve, e edit (then confirm), r reject, g regenerate, o override a blocked
    draft's findings with a reason, s skip, q quit; with --campaign, l approves the
    campaign's low-risk rest after a yes.
    """
    console = Console()
    if campaign is not None:
        with unit_of_work() as session:
            if session.get(Campaign, campaign) is None:
                Console(stderr=True).print(f"[red]error:[/] no campaign {campaign}")
                raise typer.Exit(2)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    TerminalReview(
        console,
        actor=terminal_actor(),
        campaign_id=campaign,
        editor=interactive if editor is None else editor,
    ).run()
