"""`assistant quickstart` drafts all four playbooks offline and shows samples with receipts."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.clitools import invoke

PLAYBOOKS = ("recognition", "check_in", "upsell", "re_engagement")


def test_quickstart_drafts_every_playbook_and_shows_fact_receipts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ASSISTANT_DATABASE_URL")  # the embedded default: ./assistant.db
    result = invoke("quickstart", "--customers", "300")
    assert result.exit_code == 0, result.output
    assert "drafting up to 25 messages per playbook, offline" in result.output
    for playbook in PLAYBOOKS:
        assert f"{playbook} for C" in result.output  # a sample panel's title
    assert result.output.count("fact receipt:") >= 2 * len(PLAYBOOKS) - 1
    engine = create_engine(f"sqlite:///{tmp_path / 'assistant.db'}")
    query = text(
        "SELECT c.playbook, d.state, count(*) FROM drafts d JOIN campaigns c "
        "ON c.id = d.campaign_id GROUP BY c.playbook, d.state"
    )
    with engine.connect() as connection:
        states = {(p, s): n for p, s, n in connection.execute(query)}
    assert {p for p, _ in states} == set(PLAYBOOKS)
    assert all(state == "pending_review" for _, state in states)  # good drafts, none blocked

    # A second quickstart finds its campaigns again: no new campaign, no second draft.
    again = invoke("quickstart", "--customers", "300")
    assert again.exit_code == 0, again.output
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM campaigns")).scalar_one() == 4
        assert {(p, s): n for p, s, n in connection.execute(query)} == states
    engine.dispose()
