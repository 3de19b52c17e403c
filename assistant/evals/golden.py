"""The shipped golden set: fixed fact receipts per playbook, loaded without a database."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

GOLDEN_PATH = Path(__file__).with_name("golden.json")
PLAYBOOKS = ("recognition", "check_in", "upsell", "re_engagement")


@dataclass(frozen=True)
class GoldenSet:
    """Fact receipts per playbook, the channel they are written for, the catalogue names."""

    channel: str
    catalog_names: tuple[str, ...]
    cases: dict[str, list[dict[str, Any]]]


@lru_cache(maxsize=1)
def load_golden() -> GoldenSet:
    """Read `golden.json` next to this module."""
    document = json.loads(GOLDEN_PATH.read_text(encoding="utf-8"))
    return GoldenSet(
        channel=str(document["channel"]),
        catalog_names=tuple(document["catalog_names"]),
        cases={name: list(document["cases"][name]) for name in PLAYBOOKS},
    )
