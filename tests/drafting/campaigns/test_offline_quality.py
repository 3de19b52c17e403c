"""Offline drafts for a demo store pass every guardrail at the first attempt; check-in SMS
fit one segment and name products by their short names."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import Engine

from assistant.config import get_settings
from assistant.drafting.campaigns import CampaignRequest, preview_campaign
from assistant.drafting.guardrails import blocking
from assistant.drafting.sms_segments import analyse
from tests.drafting.campaigns.conftest import clean
from tests.drafting.campaigns.helpers import brand, offline

PLAYBOOKS = ("recognition", "check_in", "upsell", "re_engagement")


@pytest.mark.parametrize("channel", ["sms", "email"])
@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_offline_drafts_of_a_demo_store_have_no_blocking_finding(
    demo_sqlite: Engine, playbook: str, channel: str
) -> None:
    clean(demo_sqlite)
    samples = asyncio.run(
        preview_campaign(
            demo_sqlite,
            CampaignRequest(playbook=playbook, channel=channel),
            offline(),
            brand=brand(),
            settings=get_settings(),
            count=100,
        )
    ).samples
    outcomes = [sample.outcome for sample in samples]
    assert outcomes and all(outcome.drafted for outcome in outcomes)
    for outcome in outcomes:
        # Not even a first attempt was blocked and regenerated.
        assert not blocking(outcome.first_findings + outcome.findings), outcome.body
    if (playbook, channel) == ("check_in", "sms"):
        assert {analyse(o.body).segments for o in outcomes} == {1}
        short = [o for o in outcomes if "short_name" in o.facts["purchase"]]
        assert short, "the demo store has products with sizes or short names"
        for outcome in short:
            purchase = outcome.facts["purchase"]
            assert purchase["short_name"] in outcome.body
            assert purchase["product"] not in outcome.body
