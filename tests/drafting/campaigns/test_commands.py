"""`assistant drafts generate` and `assistant drafts list`, run as a person would."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from assistant.db import unit_of_work
from assistant.drafting import commands
from assistant.models import Campaign, Draft
from tests.clitools import invoke
from tests.drafting.campaigns.helpers import drafts


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wide consoles: rich never wraps a line the assertions look for."""
    monkeypatch.setattr(commands.console, "width", 240)
    monkeypatch.setattr(commands.errors, "width", 240)


def _count(engine: Engine, model: type[Campaign] | type[Draft]) -> int:
    with unit_of_work(engine) as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_generate_drafts_a_campaign_and_prints_the_summary(demo: Engine) -> None:
    args = ["--segment", "recent_buyers_30d", "--channel", "email", "--limit", "12"]
    result = invoke("drafts", "generate", "--playbook", "recognition", *args)
    assert result.exit_code == 0, result.output
    with unit_of_work(demo) as session:
        campaign_id = session.execute(select(Campaign.id)).scalar_one()
    assert f"campaign {campaign_id}: recognition / recent_buyers_30d by email" in result.output
    assert "drafted (pending review)" in result.output
    assert "estimated cost" in result.output
    assert len(drafts(demo, campaign_id)) == 12

    listed = invoke("drafts", "list", "--campaign", str(campaign_id), "--status", "pending_review")
    assert listed.exit_code == 0, listed.output
    assert "Drafts (12 of 12)" in listed.output

    again = invoke("drafts", "generate", "--resume", str(campaign_id))
    assert again.exit_code == 0, again.output
    assert "skipped: already_drafted" in again.output
    assert len(drafts(demo, campaign_id)) == 12


def test_preview_prints_samples_with_receipts_and_stores_nothing(demo: Engine) -> None:
    result = invoke(
        "drafts", "generate", "--playbook", "recognition", "--segment", "vip", "--preview", "2"
    )
    assert result.exit_code == 0, result.output
    assert "2 sample(s), nothing stored" in result.output
    assert result.output.count("fact receipt:") == 2
    assert _count(demo, Campaign) == 0 and _count(demo, Draft) == 0


@pytest.mark.parametrize(
    "args,message",
    [
        (["--playbook", "welcome"], "choose one of: recognition, check_in, upsell"),
        (["--playbook", "upsell", "--segment", "fans"], "known: lapsed_high_value, milestone"),
        (["--playbook", "upsell", "--channel", "fax"], "choose one of: sms, email"),
        (["--resume", "99"], "no campaign 99"),
        ([], "give --playbook P"),
    ],
)
def test_generate_explains_what_is_valid(demo: Engine, args: list[str], message: str) -> None:
    result = invoke("drafts", "generate", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert _count(demo, Campaign) == 0


def test_list_refuses_an_unknown_status(demo: Engine) -> None:
    result = invoke("drafts", "list", "--status", "sent-ish")
    assert result.exit_code == 2
    assert "pending_review, needs_attention" in result.output


def test_preview_without_samples_says_why() -> None:
    # A fresh database: every segment is empty, so there is nobody to draft for.
    result = invoke("drafts", "generate", "--playbook", "recognition", "--preview", "2")
    assert result.exit_code == 0, result.output
    assert "0 sample(s), nothing stored" in result.output
    assert "no samples: segment" in result.output
    assert "has no members today" in result.output
