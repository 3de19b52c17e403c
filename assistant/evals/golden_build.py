"""Rebuild the shipped golden set from the demo store (maintainers only).

    python -m assistant.evals.golden_build [--per-playbook N]

Generates the demo store (seed 7, as of 2026-11-23) into a temporary SQLite database,
imports it, refreshes metrics and keeps the fact receipts of the first N eligible members
per playbook, as the SMS campaign preview builds them. Writes `assistant/evals/golden.json`.
Only demo first names are personal-looking data in it; everything else is the demo catalogue.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from assistant.config import get_settings
from assistant.demo import catalog
from assistant.demo.store import load_demo_store
from assistant.drafting.brand import load_brand
from assistant.drafting.campaigns import CampaignRequest, preview_campaign
from assistant.evals.golden import GOLDEN_PATH, PLAYBOOKS
from assistant.wiring import build_drafter

AS_OF = date(2026, 11, 23)
SEED = 7
CUSTOMERS = 1500


def build(per_playbook: int) -> dict[str, Any]:
    """The golden document: fact receipts per playbook and the catalogue names."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'golden.db'}"
        os.environ["ASSISTANT_DATABASE_URL"] = url
        os.environ["ASSISTANT_LLM"] = "offline"
        get_settings.cache_clear()
        engine = load_demo_store(url, Path(folder), customers=CUSTOMERS, seed=SEED, as_of=AS_OF)
        brand = load_brand()
        cases: dict[str, list[Any]] = {}
        for playbook in PLAYBOOKS:
            preview = asyncio.run(
                preview_campaign(
                    engine,
                    CampaignRequest(playbook=playbook, channel="sms"),
                    build_drafter(get_settings(), brand),
                    brand=brand,
                    settings=get_settings(),
                    count=per_playbook,
                )
            )
            cases[playbook] = [s.outcome.facts for s in preview.samples]
        engine.dispose()
    return {
        "schema": 1,
        "source": f"demo store, seed {SEED}, {CUSTOMERS} customers, as of {AS_OF.isoformat()}",
        "channel": "sms",
        "catalog_names": sorted(p.name for p in catalog.PRODUCTS),
        "cases": cases,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--per-playbook", type=int, default=12)
    args = parser.parse_args()
    document = build(args.per_playbook)
    GOLDEN_PATH.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    counts = {k: len(v) for k, v in document["cases"].items()}
    print(f"wrote {GOLDEN_PATH}: {counts}")


if __name__ == "__main__":
    main()
