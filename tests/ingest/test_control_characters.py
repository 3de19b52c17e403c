"""Control characters in import cells are taken out before storing (a NUL still refuses
the row: it means a UTF-16 or binary file, not a name)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select

from assistant.db import unit_of_work
from assistant.models import Customer, Product
from tests.ingest.csvfiles import VALID, write_store
from tests.ingest.dbstate import run_import


def test_control_characters_in_text_cells_are_dropped(engine: Engine, tmp_path: Path) -> None:
    customers = [
        row.replace("C1,Ana,", "C1,A\x1bna\x07,", 1) if row.startswith("C1,") else row
        for row in VALID["customers"]
    ]
    products = [
        row.replace("P1,House Blend 250g,", "P1,House\x08 Blend 250g\x1f,", 1)
        if row.startswith("P1,")
        else row
        for row in VALID["products"]
    ]
    folder = write_store(tmp_path / "store", {"customers": customers, "products": products})
    run_import(engine, *sorted(folder.glob("*.csv")))
    with unit_of_work(engine) as session:
        name = session.execute(
            select(Customer.first_name).where(Customer.external_id == "C1")
        ).scalar_one()
        product = session.execute(
            select(Product.name).where(Product.external_id == "P1")
        ).scalar_one()
    assert (name, product) == ("Ana", "House Blend 250g")
