"""Small CSV stores written on the fly for import tests."""

from __future__ import annotations

from pathlib import Path

HEADERS = {
    "customers": (
        "customer_id,first_name,last_name,email,phone,timezone,created_at,sms_consent,email_consent"
    ),
    "products": "product_id,name,category,price,relaunched_at,improvement_note,upgrade_product_id",
    "orders": "order_id,customer_id,ordered_at,total,currency,status",
    "order_items": "order_id,product_id,quantity,unit_price",
    "returns": "order_id,product_id,returned_at,reason_code,note",
}

VALID = {
    "customers": [
        "C1,Ana,Lopez,ana@example.com,+14155552671,America/Los_Angeles,2023-01-02T10:00:00Z,true,true",
        "C2,Ben,Ng,ben@example.com,(212) 555-0143,America/New_York,2024-05-01,false,yes",
        "C3,Chloé,Martin,,+33612345678,Europe/Paris,2022-03-04T08:00:00+01:00,,false",
    ],
    "products": [
        "P1,House Blend 250g,coffee,14.00,,,P2",
        "P2,Reserve Single-Origin 1kg,coffee,42.50,,,",
        "P3,Linen Apron,apparel,38.00,2026-10-01,Longer straps and a true-to-size fit,",
    ],
    "orders": [
        "O1,C1,2026-09-01T12:00:00Z,52.00,USD,completed",
        "O2,C2,2026-09-05T12:00:00+02:00,38.00,,canceled",
        "O3,C1,2026-10-01T08:30:00Z,14.00,USD,completed",
    ],
    "order_items": ["O1,P1,1,14.00", "O1,P3,1,38.00", "O2,P3,1,38.00", "O3,P1,1,14.00"],
    "returns": ["O1,P3,2026-09-10T09:00:00Z,fit,too short"],
}


def write_store(folder: Path, overrides: dict[str, list[str]] | None = None) -> Path:
    """Write the five valid files into `folder`, replacing the rows of any kind in `overrides`."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = {**VALID, **(overrides or {})}
    for kind, header in HEADERS.items():
        (folder / f"{kind}.csv").write_text(
            "\n".join([header, *rows[kind]]) + "\n", encoding="utf-8"
        )
    return folder
