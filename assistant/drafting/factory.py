"""A drafter not built yet: what entry points hand to the services and the Slack runtime.

The composition root (`assistant.wiring.build_drafter`) is the factory in production. Services
take it as an argument instead of importing the wiring, so dependencies point one way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

from assistant.config import Settings
from assistant.drafting.brand import Brand
from assistant.ports import Drafter

DrafterFactory: TypeAlias = Callable[[Settings, Brand], Drafter]
"""Builds the drafter for one piece of work; whoever calls it closes the drafter after."""


class DrafterConfigError(ValueError):
    """The drafter settings cannot work; the message names the environment variables to set."""
