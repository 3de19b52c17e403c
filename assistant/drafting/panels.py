"""How a draft looks at the terminal: shared by `assistant drafts`, review and quickstart.

Presentation only, so any command can show a draft without importing another command's
wiring (the terminal review channel needs `draft_panel`, not the drafting commands).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.text import Text

from assistant.commandline.output import receipt_lines


def draft_panel(
    title: str,
    body: str,
    subject: str | None,
    facts: Mapping[str, Any],
    findings: list[str],
    explanation: Sequence[tuple[str, str]] = (),
) -> Panel:
    """One draft with its fact receipt (and findings, if any) for the terminal; `explanation`
    rows (label, text), when given, come first: why this customer and what approving does."""
    message = Text()
    if subject:
        message.append(f"Subject: {subject}\n\n", style="bold")
    message.append(body)
    parts: list[Any] = []
    if explanation:
        why = Text()
        for label, text in explanation:
            why.append(f"{label}: ", style="bold")
            why.append(f"{text}\n")
        parts.append(why)
    parts.append(message)
    if findings:
        parts.append(Text("\nfindings: " + "; ".join(findings), style="yellow"))
    receipt = "\n".join(f"  {line}" for line in receipt_lines(facts))
    parts.append(Text("\nfact receipt:\n" + receipt, style="dim"))
    return Panel(Group(*parts), title=title, title_align="left")
