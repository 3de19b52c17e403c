"""Predicted CLV on a schedule: refit the models weekly (or once the data moved), predict daily.

Fitting BG/NBD and Gamma-Gamma by maximum likelihood is the costly part; predicting with
fitted parameters is a vectorised formula. The fitted parameters are kept in
`metrics_state.clv_model`, so a daily refresh predicts every buyer's value as of its day
with the kept model, and refits only when the model is `ASSISTANT_CLV_REFIT_DAYS` old, when
more than `ASSISTANT_CLV_REFIT_SHARE` of buyers were recomputed since the fit, or when asked.
Whether a refresh is full or incremental does not change which model it uses, so both give
the same values.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import Connection, text

from assistant.config import get_settings
from assistant.metrics import clv
from assistant.metrics.btyd import BGNBDParams, GammaGammaParams
from assistant.metrics.queries import dialect_sql


def model_to_json(model: clv.CLVModel) -> str:
    """The fitted parameters and store-level figures a later prediction needs."""
    return json.dumps(asdict(model))


def model_from_json(document: str) -> clv.CLVModel:
    data: dict[str, Any] = json.loads(document)
    purchases, spend = data.pop("purchases"), data.pop("spend")
    data["notes"] = tuple(data["notes"])
    return clv.CLVModel(
        purchases=BGNBDParams(**purchases) if purchases else None,
        spend=GammaGammaParams(**spend) if spend else None,
        **data,
    )


def refit_reason(state: dict[str, Any], as_of: date, buyers: int, *, force: bool = False) -> str:
    """Why the models must be fitted again now; empty when the kept model serves."""
    settings = get_settings().metrics
    fitted_on: date | None = state.get("clv_fitted_on")
    if force:
        return "a refit was asked for"
    if not state.get("clv_model") or fitted_on is None:
        return "no fitted model kept"
    if as_of < fitted_on:
        return f"as-of {as_of} is before the fit of {fitted_on}"
    if (as_of - fitted_on).days >= settings.clv_refit_days:
        return f"the fit of {fitted_on} is {(as_of - fitted_on).days} days old"
    changed = int(state.get("clv_changed") or 0)
    if changed > settings.clv_refit_share * max(buyers, 1):
        return f"{changed:,} of {buyers:,} buyers changed since the fit"
    return ""


# PostgreSQL's binary COPY row of five non-null fields: int8 id, then four float8.
_ROW = np.dtype(
    [("fields", ">i2"), ("n0", ">i4"), ("id", ">i8")]
    + [(name, t) for k in range(1, 5) for name, t in ((f"n{k}", ">i4"), (f"v{k}", ">f8"))]
)
_COPY_HEADER = 19  # signature, flags, extension length (no extension)


def _summary(connection: Connection, as_of: date) -> tuple[Any, Any]:
    """Buyer ids and their BTYD summary (frequency, recency, T, monetary) as of `as_of`.

    On PostgreSQL a binary COPY read straight into numpy: a million rows through Python
    tuples took 4 s, this 0.1 s.
    """
    days = dialect_sql(connection)["days_between"]
    columns = (
        f"purchase_days - 1, {days.format(later='last_day', earlier='first_day')}, "
        f"{days.format(later='{as_of}', earlier='first_day')}, btyd_monetary"
    )
    if connection.dialect.name == "postgresql":
        day = f"DATE '{as_of.isoformat()}'"  # a date's ISO text: nothing to escape
        floats = ", ".join(f"CAST({c} AS float8)" for c in columns.format(as_of=day).split(", "))
        query = (
            f"COPY (SELECT CAST(customer_id AS int8), {floats} FROM customer_order_stats "
            "ORDER BY customer_id) TO STDOUT (FORMAT binary)"
        )
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        buffer = bytearray()
        with cursor.copy(query) as copy:
            for chunk in copy:
                buffer += chunk
        rows = np.frombuffer(bytes(buffer[_COPY_HEADER:-2]), dtype=_ROW)
        data = np.column_stack([rows[f"v{k}"].astype(np.float64) for k in range(1, 5)])
        return rows["id"].astype(np.int64), data.reshape(len(rows), 4)
    # The driver's tuples straight into numpy (SQLAlchemy rows cost twice as much).
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.execute(
        f"SELECT customer_id, {columns.format(as_of='?')} "
        "FROM customer_order_stats ORDER BY customer_id",
        (as_of.isoformat(),),
    )
    result = cursor.fetchall()
    table = np.array(result, dtype=np.float64).reshape(len(result), 5)
    return table[:, 0].astype(np.int64), table[:, 1:]


def predict_all(
    connection: Connection, as_of: date, model: clv.CLVModel | None
) -> tuple[clv.CLVModel | None, tuple[str, ...]]:
    """Fit when `model` is None, then predict every buyer's value into `customer_clv`.

    Returns the model used (None when nobody has bought) and the notes of a fit.
    """
    settings = get_settings().metrics
    ids, data = _summary(connection, as_of)
    if not len(ids):
        _replace(connection, ids, np.zeros(0))
        return None, ("no customer with a purchase: no CLV",)
    frequency, recency, age, monetary = data.T
    notes: tuple[str, ...] = ()
    if model is None:
        model = clv.fit(frequency, recency, age, monetary)
        notes = model.notes
    values = clv.predict_clv(
        model,
        frequency,
        recency,
        age,
        monetary,
        months=settings.clv_months,
        monthly_discount=settings.clv_monthly_discount,
    )
    _replace(connection, ids, values)
    return model, notes


def _replace(connection: Connection, ids: Any, values: Any) -> None:
    """Rewrite `customer_clv` whole, values rounded to the cent. Every value moves when the
    day does (T grows), so it is loaded like a new table: emptied, index dropped, bulk-loaded
    in key order, indexed."""
    postgres = connection.dialect.name == "postgresql"
    connection.execute(text("DROP INDEX IF EXISTS ix_customer_clv_clv_12m"))
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    if postgres:
        connection.execute(text("TRUNCATE customer_clv"))
        # '%.2f' rounds the exact binary value half-even, as round(value, 2) does.
        lines = "".join(
            f"{i}\t{v:.2f}\n" for i, v in zip(ids.tolist(), values.tolist(), strict=True)
        )
        with cursor.copy("COPY customer_clv (customer_id, clv_12m) FROM STDIN") as copy:
            copy.write(lines.encode())
    else:
        connection.execute(text("DELETE FROM customer_clv"))
        cursor.executemany(
            "INSERT INTO customer_clv (customer_id, clv_12m) VALUES (?, ?)",
            [(i, round(v, 2)) for i, v in zip(ids.tolist(), values.tolist(), strict=True)],
        )
    connection.execute(text("CREATE INDEX ix_customer_clv_clv_12m ON customer_clv (clv_12m)"))
    if postgres:
        connection.execute(text("ANALYZE customer_clv"))
