"""Playbooks: recognition, check-in, upsell, re-engagement and reply."""

from assistant.playbooks.definitions import (
    PLAYBOOKS,
    Playbook,
    Timing,
    UnknownPlaybook,
    get_playbook,
)

__all__ = ["PLAYBOOKS", "Playbook", "Timing", "UnknownPlaybook", "get_playbook"]
