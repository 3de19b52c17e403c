"""Campaign holdouts: a stable, reproducible share of the eligible is recorded, not drafted."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from assistant.api.app import create_app
from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.drafting.holdout import bucket, campaign_key, held_out, trigger_key
from assistant.models import Campaign, CampaignMember
from tests.clitools import invoke
from tests.drafting.campaigns.helpers import create, drafts, offline, run

SEGMENT = {"segment": "recent_buyers_30d", "channel": "email"}


def _members(engine: Engine, campaign_id: int) -> dict[int, tuple[str, str | None]]:
    with unit_of_work(engine) as session:
        rows = session.execute(
            select(CampaignMember.customer_id, CampaignMember.status, CampaignMember.skip_reason)
            .where(CampaignMember.campaign_id == campaign_id)
            .order_by(CampaignMember.id)
        ).all()
    return {customer: (status, reason) for customer, status, reason in rows}


def _options(engine: Engine, campaign_id: int) -> dict[str, object]:
    with unit_of_work(engine) as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        return dict(campaign.options)


def test_assignment_is_the_same_in_another_process() -> None:
    ids = list(range(1, 200))
    here = [bucket("trigger:purchase", i) for i in ids]
    code = (
        "from assistant.drafting.holdout import bucket;"
        f"print([bucket('trigger:purchase', i) for i in {ids!r}])"
    )
    for seed in ("1", "2"):  # Python's own hash() would differ between these
        found = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        )
        assert json.loads(found.stdout) == here
    # sha256("trigger:purchase|1"), first 8 bytes as an integer, modulo 10,000.
    import hashlib

    digest = hashlib.sha256(b"trigger:purchase|1").digest()
    assert here[0] == int.from_bytes(digest[:8], "big") % 10_000


def test_the_share_held_out_is_balanced_and_keys_differ() -> None:
    # 5,000 customers at 10 %: 500 expected, sd = sqrt(5000 * 0.1 * 0.9) = 21.2.
    held = [i for i in range(1, 5001) if held_out(campaign_key(7), i, 10)]
    assert abs(len(held) - 500) < 4 * 21.2
    other = {i for i in range(1, 5001) if held_out(campaign_key(8), i, 10)}
    assert len(other & set(held)) < 150  # independent keys: about 50 in common
    assert not any(held_out(trigger_key("x"), i, 0) for i in range(1, 5001))
    half = sum(held_out(trigger_key("x"), i, 50) for i in range(1, 5001))
    assert abs(half - 2500) < 4 * 35.4


def test_a_campaign_holds_out_its_share_and_drafts_only_the_treated(
    demo: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_HOLDOUT_PERCENT", "30")
    get_settings.cache_clear()
    campaign_id = create(demo, "recognition", **SEGMENT)
    assert _options(demo, campaign_id)["holdout_percent"] == 30
    members = _members(demo, campaign_id)
    key = campaign_key(campaign_id)
    eligible = {c for c, (status, reason) in members.items() if reason in (None, "holdout")}
    held = {c for c, (_, reason) in members.items() if reason == "holdout"}
    assert held == {c for c in eligible if held_out(key, c, 30)}
    assert 0 < len(held) < len(eligible)
    assert all(members[c] == ("skipped", "holdout") for c in held)
    run(demo, campaign_id, offline())
    drafted = {d.customer_id for d in drafts(demo, campaign_id)}
    assert drafted == eligible - held


def test_the_limit_counts_treated_customers_and_a_request_overrides_the_setting(
    demo: Engine,
) -> None:
    campaign_id = create(demo, "recognition", limit=10, holdout=40, **SEGMENT)
    members = _members(demo, campaign_id)
    treated = [c for c, (status, _) in members.items() if status == "pending"]
    held = [c for c, (_, reason) in members.items() if reason == "holdout"]
    assert len(treated) == 10 and held
    assert _options(demo, campaign_id)["holdout_percent"] == 40
    run(demo, campaign_id, offline())
    assert len(drafts(demo, campaign_id)) == 10
    none = create(demo, "recognition", limit=10, **SEGMENT)  # the setting: 0 in tests
    assert _options(demo, none)["holdout_percent"] == 0
    assert not [c for c, (_, r) in _members(demo, none).items() if r == "holdout"]


def test_the_cli_takes_a_holdout_and_refuses_one_out_of_range(demo: Engine) -> None:
    args = ["--segment", "recent_buyers_30d", "--channel", "email", "--limit", "20"]
    result = invoke("drafts", "generate", "--playbook", "recognition", *args, "--holdout", "40")
    assert result.exit_code == 0, result.output
    with unit_of_work(demo) as session:
        campaign_id, options = session.execute(select(Campaign.id, Campaign.options)).one()
    assert options["holdout_percent"] == 40
    held = [c for c, (_, r) in _members(demo, campaign_id).items() if r == "holdout"]
    assert held and f"holdout {len(held)}" in result.output  # skip counts name them
    bad = invoke("drafts", "generate", "--playbook", "recognition", *args, "--holdout", "60")
    assert bad.exit_code == 2
    assert "Traceback" not in bad.output


def test_the_api_takes_a_holdout_and_refuses_one_out_of_range(
    demo: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_API_KEYS", "campaign-key-0123456789")
    get_settings.cache_clear()
    client = TestClient(create_app(demo))
    auth = {"Authorization": "Bearer campaign-key-0123456789"}
    body = {"playbook": "recognition", "limit": 5, **SEGMENT}
    created = client.post("/api/v1/campaigns", json={**body, "holdout": 20}, headers=auth)
    assert created.status_code == 202, created.text
    assert _options(demo, created.json()["id"])["holdout_percent"] == 20
    refused = client.post("/api/v1/campaigns", json={**body, "holdout": 51}, headers=auth)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
