"""The `trigger` fact section: which trigger queued a draft, and for a follow-up, that it is one.

A trigger's campaign member carries `qualifier["trigger"]` (name, step, brief); the draft's
facts get it as `trigger: {name, step, follow_up, brief}` so the prompt (and the offline
drafter) know a follow-up from a first message. A follow-up is timed by its sequence, not
by the playbook's days-after window: `is_follow_up` lets timing checks step aside.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def add_trigger_facts(facts: Mapping[int, dict[str, Any]], qualifiers: Mapping[int, Any]) -> None:
    """Add the `trigger` section to the facts of every member a trigger queued."""
    for customer_id, qualifier in qualifiers.items():
        found = qualifier.get("trigger") if isinstance(qualifier, Mapping) else None
        receipt = facts.get(customer_id)
        if not isinstance(found, Mapping) or receipt is None or not found.get("name"):
            continue
        step = int(found.get("step") or 1)
        section: dict[str, Any] = {"name": str(found["name"]), "step": step}
        section["follow_up"] = step > 1
        if found.get("brief"):
            section["brief"] = str(found["brief"])
        if found.get("previous_sent_on"):
            section["previous_sent_on"] = str(found["previous_sent_on"])
        receipt["trigger"] = section


def is_follow_up(facts: Mapping[str, Any]) -> bool:
    """Whether the facts are a sequence's follow-up step (step 2 and on)."""
    section = facts.get("trigger")
    return isinstance(section, Mapping) and bool(section.get("follow_up"))
