"""Who acts on a draft: the audit actor string and a name to show."""

from __future__ import annotations

import getpass
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """A person or process deciding; `id` is the audit actor (`slack:U123`, `terminal:ana`)."""

    id: str
    display: str | None = None

    def __post_init__(self) -> None:
        if not self.id.strip():
            raise ValueError("an actor needs an id such as slack:U123 or terminal:ana")

    @property
    def label(self) -> str:
        """How to name the actor to people: the display name, else the id."""
        return self.display or self.id


SYSTEM = Actor("system")


def terminal_actor() -> Actor:
    """The person at this terminal: `terminal:<os user>`."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER (some containers)
        user = "unknown"
    return Actor(f"terminal:{user}", user)
