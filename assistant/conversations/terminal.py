"""Conversations at the terminal: threads printed with rich, and the interactive reply.

Keys (read line by line from standard input, so a reply can be scripted): `a` approve the
suggested reply as shown, `e` edit it, `w` write your own, `q` quit. An edit or your own
text is checked by the guardrails first and its findings shown; a blocking finding sends
nothing, otherwise you confirm before it goes. Every send goes through
`assistant.conversations.replies` (the same service path as Slack), one unit of work each.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.text import Text

from assistant.commandline.editing import read_text
from assistant.conversations import replies
from assistant.conversations.opt_outs import POSSIBLE_OPT_OUT_NOTE
from assistant.conversations.views import ThreadView, thread_view
from assistant.db import unit_of_work
from assistant.drafting.guardrails import Finding, blocking
from assistant.review.actors import Actor
from assistant.review.outcomes import when
from assistant.review.views import DraftView

ARROWS = {"inbound": "customer →", "outbound": "→ customer"}


class Quit(Exception):
    """The person quit, or the scripted input ran out."""


def findings_text(findings: list[Finding]) -> Text:
    """Guardrail findings, one per line: severity, code, message and the words concerned."""
    text = Text()
    for item in findings:
        text.append(f"\n{item.severity} ", style="red" if item.severity == "block" else "yellow")
        excerpt = f' ("{item.excerpt}")' if item.excerpt else ""
        text.append(f"{item.code}: {item.message}{excerpt}")
    return text


def suggestion_panel(view: DraftView) -> Panel:
    """The suggested reply waiting for a decision, with its findings."""
    parts: list[Text] = [Text(view.body)]
    if view.findings:
        parts.append(Text("\nfindings:", style="bold") + findings_text(view.findings))
    else:
        parts.append(Text("\nno guardrail findings", style="dim"))
    title = f"suggested reply #{view.id} · {view.state}"
    if view.sms_segments is not None:
        title += f" · {view.sms_segments} SMS segment{'s' if view.sms_segments != 1 else ''}"
    return Panel(Group(*parts), title=escape(title), title_align="left")


def print_thread(console: Console, view: ThreadView) -> None:
    """The thread in order (times, direction, state), then the suggestion, if one waits."""
    console.print(
        Text(f"Conversation {view.ref} · {view.who} · {view.channel} · {view.state}", style="bold")
    )
    if not view.lines:
        console.print("(no messages yet)")
    for line in view.lines:
        head = f"{when(line.at)}  {ARROWS.get(line.direction, line.direction)}  {line.state}"
        if line.kind == "system":
            head += " (automatic)"
        if line.note:
            head += f": {line.note}"
        console.print(Text(head, style="dim"))
        if line.flag is not None:
            console.print(Text(POSSIBLE_OPT_OUT_NOTE, style="bold yellow"))
        console.print(Text("  " + line.body.replace("\n", "\n  ")))
    if view.suggestion is not None:
        console.print(suggestion_panel(view.suggestion))
    elif view.conversation_id is not None:
        console.print("No suggested reply waits.")
    if view.blocked_reason:
        console.print(Text(f"Replies cannot go out: {view.blocked_reason}.", style="yellow"))


def say(console: Console, outcome: replies.ReplyOutcome) -> None:
    """One line on what became of a reply, then its findings."""
    line = Text(outcome.message, style="green" if outcome.applied else "yellow")
    console.print(line + findings_text(outcome.findings) if outcome.findings else line)


def report_delivery(console: Console, draft_id: int | None) -> None:
    """Where the reply is now: sent, queued for the worker, or why it did not go."""
    if draft_id is None:
        return
    with unit_of_work() as session:
        state = replies.delivery_state(session, draft_id)
    console.print(
        Text(f"reply #{draft_id}: " + (state or "approved; the worker sends it"), style="dim")
    )


class ReplySession:
    """`assistant conversations reply ID` without flags: read keys and act on them."""

    def __init__(self, console: Console, *, actor: Actor, editor: bool) -> None:
        self.console = console
        self.actor = actor
        self.editor = editor

    def ask(self, prompt: str) -> str:
        """One line of input; Quit at the end of the input."""
        try:
            return self.console.input(f"[bold]{escape(prompt)}[/] ").strip()
        except EOFError:
            raise Quit from None

    def text(self, current: str = "") -> str | None:
        """New text: $EDITOR prefilled, or lines up to a lone dot; None when empty."""
        return read_text(self.console, current, editor=self.editor, prompt="Text")

    def run(self, conversation_id: int) -> bool:
        """Act on keys until a reply is sent or the person quits; False when replies are
        refused for this customer (opted out, suppressed), else True."""
        try:
            while True:
                with unit_of_work() as session:
                    view = thread_view(session, str(conversation_id))
                if view is None:
                    self.console.print(f"Conversation {conversation_id} is gone.")
                    return False
                self.console.print()
                print_thread(self.console, view)
                if view.blocked_reason:
                    return False
                if self.step(conversation_id, view.suggestion):
                    return True
        except Quit:
            self.console.print("Nothing sent.")
            return True

    def step(self, conversation_id: int, suggestion: DraftView | None) -> bool:
        """One key: True once a reply went out, False to look at the thread again."""
        keys = "[a]pprove [e]dit [w]rite [q]uit" if suggestion else "[w]rite [q]uit"
        key = self.ask(keys + ":").lower()
        if key == "q":
            raise Quit
        if key == "a" and suggestion is not None:
            return self.finish(
                lambda session: replies.decide_suggestion(
                    session, conversation_id, suggestion.id, self.actor, version=suggestion.version
                )
            )
        if key == "e" and suggestion is not None:
            return self.compose(conversation_id, suggestion)
        if key == "w":
            return self.compose(conversation_id, None)
        self.console.print(f"Unknown key {key!r}. {keys}", markup=False)
        return False

    def compose(self, conversation_id: int, suggestion: DraftView | None) -> bool:
        """Edit the suggestion or write a reply; findings first, then a confirmation."""
        body = self.text(suggestion.body if suggestion else "")
        if body is None:
            self.console.print("Nothing written; nothing sent.")
            return False
        draft_id = suggestion.id if suggestion else None
        with unit_of_work() as session:
            findings = replies.preview(session, conversation_id, body, draft_id=draft_id)
        self.console.print(Panel(Text(body), title="your reply", title_align="left"))
        if findings:
            self.console.print(Text("findings:", style="bold"), findings_text(findings))
        if blocking(findings):
            codes = ", ".join(f.code for f in findings if f.severity == "block")
            self.console.print(
                Text(f"blocked by guardrails ({codes}); nothing sent", style="yellow")
            )
            return False
        if self.ask("Send this reply? [y/N]").lower() not in ("y", "yes"):
            self.console.print("Not sent.")
            return False
        if suggestion is not None:
            return self.finish(
                lambda session: replies.decide_suggestion(
                    session,
                    conversation_id,
                    suggestion.id,
                    self.actor,
                    version=suggestion.version,
                    body=body,
                )
            )
        return self.finish(
            lambda session: replies.write_reply(session, conversation_id, self.actor, body)
        )

    def finish(self, work: Callable[..., replies.ReplyOutcome]) -> bool:
        """Run `work` in one unit of work (the send follows its commit) and report it."""
        with unit_of_work() as session:
            outcome = work(session)
        say(self.console, outcome)
        if outcome.applied:
            report_delivery(self.console, outcome.draft_id)
            return True
        return False
