"""`assistant quickstart` on embedded defaults, from an empty directory."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from assistant.cli import app


def test_quickstart_creates_imports_and_reports(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("ASSISTANT_DATABASE_URL")  # the embedded default: ./assistant.db
    monkeypatch.delenv("ASSISTANT_HOLDOUT_PERCENT")  # the product default, 10 %
    result = CliRunner().invoke(app, ["quickstart", "--customers", "300"])
    assert result.exit_code == 0, result.output
    assert "demo store of 300 customers" in result.output
    assert "metrics refreshed" in result.output
    for segment in ("vip", "milestone", "product_fans", "returned_relaunched"):
        assert segment in result.output
    assert (tmp_path / "assistant.db").exists()
    assert (tmp_path / "demo-store" / "orders.csv").exists()
    engine = create_engine(f"sqlite:///{tmp_path / 'assistant.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM customers")).scalar_one() == 300
        assert connection.execute(text("SELECT count(*) FROM order_items")).scalar_one() > 300
        metrics = text("SELECT count(*) FROM customer_metrics WHERE clv_12m IS NOT NULL")
        assert connection.execute(metrics).scalar_one() > 200

    # Running it again is safe: the same store is already there, nothing changes.
    again = CliRunner().invoke(app, ["quickstart", "--customers", "300"])
    assert again.exit_code == 0, again.output
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM customers")).scalar_one() == 300
