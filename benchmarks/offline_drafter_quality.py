"""Offline drafter quality on a demo store: SMS segments, shared openings, guardrail blocks.

    python benchmarks/offline_drafter_quality.py [--customers N] [--drafts N]

Generates the demo store (seed 7, as of 2026-11-23) into a temporary SQLite database, imports
it, refreshes metrics and drafts up to N members per playbook and channel through the campaign
preview path (offline drafter, guardrails, one regeneration on a block). Prints, per playbook
and channel: drafts, the SMS segment distribution, the share of the most common opening
sentence (placeholders as tokens, see `assistant.drafting.openings`) and blocked drafts.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path

from assistant.config import get_settings
from assistant.demo.store import load_demo_store
from assistant.drafting.brand import load_brand
from assistant.drafting.campaigns import CampaignRequest, preview_campaign
from assistant.drafting.guardrails import blocking
from assistant.drafting.openings import opening_key, top_opening_share
from assistant.drafting.sms_segments import analyse
from connectors.llm.offline import OfflineDrafter

AS_OF = date(2026, 11, 23)
SEED = 7
PLAYBOOKS = ("recognition", "check_in", "upsell", "re_engagement")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=15000)
    parser.add_argument("--drafts", type=int, default=300)
    parser.add_argument("--show", type=int, default=0, help="print N sample drafts per row")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'quality.db'}"
        os.environ["ASSISTANT_DATABASE_URL"] = url
        os.environ["ASSISTANT_LLM"] = "offline"
        get_settings.cache_clear()
        engine = load_demo_store(
            url, Path(folder), customers=args.customers, seed=SEED, as_of=AS_OF
        )
        brand = load_brand()
        drafter = OfflineDrafter(brand)
        print("| playbook | channel | drafts | SMS segments (1/2/3+) | top opening | blocked |")
        print("| --- | --- | ---: | --- | ---: | ---: |")
        codes: Counter[str] = Counter()
        for playbook in PLAYBOOKS:
            for channel in ("sms", "email"):
                samples = asyncio.run(
                    preview_campaign(
                        engine,
                        CampaignRequest(playbook=playbook, channel=channel),
                        drafter,
                        brand=brand,
                        settings=get_settings(),
                        count=args.drafts,
                    )
                ).samples
                drafted = [s.outcome for s in samples if s.outcome.drafted]
                segments = Counter(min(analyse(o.body).segments, 3) for o in drafted)
                split = "-"
                if channel == "sms":
                    split = "/".join(str(segments.get(n, 0)) for n in (1, 2, 3))
                share = top_opening_share([(o.body, o.facts) for o in drafted])
                if args.show:
                    keys = Counter(opening_key(o.body, o.facts) for o in drafted)
                    print(keys.most_common(3))
                blocked = sum(blocking(o.findings) for o in drafted)
                codes.update(f.code for o in drafted if blocking(o.findings) for f in o.findings)
                row = (playbook, channel, len(drafted), split, f"{share:.0%}", blocked)
                print("| " + " | ".join(map(str, row)) + " |")
                for outcome in drafted[: args.show]:
                    print("    " + outcome.body.replace("\n", " / "))
        engine.dispose()
    if codes:
        print("findings of blocked drafts:", dict(codes))


if __name__ == "__main__":
    main()
