"""Refresh per-customer metrics with set-based SQL (definitions: docs/metrics.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, cast

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    Engine,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    bindparam,
    text,
)
from sqlalchemy.orm import Session

from assistant.config import get_settings
from assistant.metrics import clv_store
from assistant.metrics.queries import (
    ORDER_DAYS_COLUMNS,
    SCORES_COLUMNS,
    STATS_COLUMNS,
    dialect_sql,
    order_days_select,
    scores_select,
    stats_select,
)
from assistant.metrics.repeats import write_repeats
from assistant.metrics.scores import (
    Cuts,
    label_sql,
    move_cuts,
    read_cuts,
    rescore_crossers,
    score_sql,
)
from assistant.metrics.zones import zone_days
from assistant.models import CustomerScores
from assistant.models.base import UTCDateTime, utcnow
from assistant.segments.dialect import register_sqlite_functions

RefreshMode = Literal["auto", "full"]

# What a refresh rewrites (tidied after it commits).
KEPT_TABLES = ("customer_scores", "customer_clv", "customer_order_stats", "product_repeats")

# Above this share of customers to recompute, a full refresh is cheaper than a scoped one.
INCREMENTAL_MAX_SHARE = 0.25

_AFFECTED = Table(
    "metrics_affected",
    MetaData(),
    Column("customer_id", BigInteger, primary_key=True),
    prefixes=["TEMPORARY"],
)

_ZONES = Table(
    "metrics_zone_days",
    MetaData(),
    Column("zone", String(64), primary_key=True),
    Column("utc_day", Date, primary_key=True),
    Column("offset_seconds", Integer),
    Column("change_at", UTCDateTime()),
    Column("offset_after", Integer),
    prefixes=["TEMPORARY"],
)


_ORDER_DAYS = Table(
    "metrics_order_days",
    MetaData(),
    Column("id", BigInteger, primary_key=True),
    Column("customer_id", BigInteger),
    Column("ordered_at", UTCDateTime()),
    Column("total", Numeric(12, 2)),
    Column("day", Date),
    prefixes=["TEMPORARY"],
)


@dataclass(frozen=True)
class RefreshReport:
    """What a refresh computed."""

    as_of: date
    customers: int
    with_orders: int
    seconds: float
    clv_notes: tuple[str, ...] = ()
    incremental: bool = False
    recomputed: int = 0  # customers whose purchase aggregates were recomputed
    why_full: str = ""  # why an incremental refresh was not possible
    rescored: int = 0  # other customers whose scores changed (a boundary moved past them)
    clv_refit: str = ""  # why the CLV models were fitted again (empty: the kept ones served)


def _load_zone_days(connection: Connection, as_of: date, brand_zone: str, *, scoped: bool) -> None:
    """The per-day offsets of every zone in use, over the days the orders to aggregate span."""
    zones = {row[0] for row in connection.execute(text("SELECT DISTINCT timezone FROM customers"))}
    zones.discard(None)
    zones.add(brand_zone)
    first_sql = "SELECT min(ordered_at) FROM orders"
    if scoped:  # each customer's first order read off the (customer_id, ordered_at) index
        first_sql = (
            "SELECT min((SELECT min(o.ordered_at) FROM orders o "
            "WHERE o.customer_id = a.customer_id)) FROM metrics_affected a"
        )
    first = connection.execute(text(first_sql)).scalar_one()
    if isinstance(first, str):
        first = datetime.fromisoformat(first)
    # Orders after as-of are not counted, but the table must still cover the as-of days.
    first_day = min(first.date(), as_of) if isinstance(first, datetime) else as_of
    _ZONES.drop(connection, checkfirst=True)
    _ZONES.create(connection)
    rows = [
        {
            "zone": day.zone,
            "utc_day": day.utc_day,
            "offset_seconds": day.offset_seconds,
            "change_at": day.change_at,
            "offset_after": day.offset_after,
        }
        for zone in sorted(zones)
        for day in zone_days(zone, first_day - timedelta(days=1), as_of + timedelta(days=1))
    ]
    connection.execute(_ZONES.insert(), rows)


def _state(connection: Connection) -> dict[str, Any] | None:
    """The kept state of the last refresh (`metrics_state`), dates as dates."""
    row = (
        connection.execute(
            text(
                "SELECT stats_as_of, brand_zone, score_cuts, clv_model, clv_fitted_on, "
                "clv_changed, customers FROM metrics_state"
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    state = dict(row)
    for key in ("stats_as_of", "clv_fitted_on"):
        if isinstance(state[key], str):  # SQLite through text()
            state[key] = date.fromisoformat(state[key])
    return state


def _why_not_incremental(
    state: dict[str, Any] | None,
    old: Cuts | None,
    as_of: date,
    brand_zone: str,
    mode: RefreshMode,
) -> str:
    """Empty when the kept tables can be brought up to date; else the reason they can't."""
    if mode == "full":
        return "a full refresh was asked for"
    if state is None or old is None:
        return "no earlier refresh to build on"
    if state["brand_zone"] != brand_zone:
        return f"the brand time zone changed from {state['brand_zone']} to {brand_zone}"
    if as_of < state["stats_as_of"]:
        return f"as-of {as_of} is before the last refresh's {state['stats_as_of']}"
    return ""


def _collect_affected(connection: Connection, stats_as_of: date) -> tuple[int, int]:
    """Customers to recompute: changed by imports since, with orders on or after the last
    refresh's as-of day (local days that were still in the future then), or without a row
    yet (added by other means than an import)."""
    _AFFECTED.drop(connection, checkfirst=True)
    _AFFECTED.create(connection)
    # The earliest instant of local day stats_as_of + 1 anywhere (UTC+14).
    since = datetime.combine(stats_as_of, time(10), tzinfo=UTC)
    # Customers are never deleted and their ids only grow: new ones are above the last row.
    last = connection.execute(text("SELECT max(customer_id) FROM customer_scores")).scalar()
    added = int(
        connection.execute(
            text("SELECT count(*) FROM customers WHERE id > :last"), {"last": last or 0}
        ).scalar_one()
    )
    connection.execute(
        text(
            "INSERT INTO metrics_affected (customer_id) "
            "SELECT customer_id FROM metrics_pending_customers "
            "UNION SELECT customer_id FROM orders WHERE ordered_at >= :since "
            "UNION SELECT id FROM customers WHERE id > :last"
        ).bindparams(bindparam("since", type_=UTCDateTime())),
        {"since": since, "last": last or 0},
    )
    if connection.dialect.name == "postgresql":
        connection.execute(text("ANALYZE metrics_affected"))  # plans join it by the thousand
    affected = connection.execute(text("SELECT count(*) FROM metrics_affected")).scalar_one()
    return int(affected), added


def _write_stats(
    connection: Connection, params: dict[str, Any], brand_zone: str, *, scoped: bool
) -> None:
    """(Re)compute the purchase aggregates, for everyone or for `metrics_affected` only."""
    sql = dialect_sql(connection)
    _load_zone_days(connection, date.fromisoformat(params["as_of"]), brand_zone, scoped=scoped)
    if scoped:
        connection.execute(
            text(
                "DELETE FROM customer_order_stats "
                "WHERE customer_id IN (SELECT customer_id FROM metrics_affected)"
            )
        )
    else:
        connection.execute(text("DELETE FROM customer_order_stats"))
    connection.execute(
        text(
            f"INSERT INTO customer_order_stats ({STATS_COLUMNS}) "
            + stats_select(sql, affected_only=scoped)
        ),
        params,
    )
    # Each counted order's local day, for the product repeats.
    _ORDER_DAYS.drop(connection, checkfirst=True)
    _ORDER_DAYS.create(connection)
    connection.execute(
        text(
            f"INSERT INTO metrics_order_days ({ORDER_DAYS_COLUMNS}) "
            + order_days_select(sql, affected_only=scoped)
        ),
        params,
    )
    if connection.dialect.name == "postgresql":
        connection.execute(text("ANALYZE metrics_order_days"))
    write_repeats(connection, sql, params, scoped=scoped)
    _ORDER_DAYS.drop(connection)
    _ZONES.drop(connection)
    if connection.dialect.name == "postgresql" and not scoped:
        # Fresh statistics: the scores step plans its joins and sorts from them.
        connection.execute(text("ANALYZE customer_order_stats"))


def _write_scores(connection: Connection, cuts: Cuts, brand_zone: str, *, scoped: bool) -> None:
    """Write the stored rows of every customer, or of those in `metrics_affected`."""
    params: dict[str, Any] = {"brand_zone": brand_zone}
    r = score_sql("r", cuts, "st.last_day", params)
    f = score_sql("f", cuts, "st.orders_count", params)
    m = score_sql("m", cuts, "st.lifetime_spend", params)
    label = label_sql("s.orders_count", "s.r_score", "s.f_score", "s.m_score")
    insert = text(
        f"INSERT INTO customer_scores ({SCORES_COLUMNS}) "
        + scores_select(dialect_sql(connection), r, f, m, label, affected_only=scoped)
    )
    if scoped:
        connection.execute(
            text(
                "DELETE FROM customer_scores "
                "WHERE customer_id IN (SELECT customer_id FROM metrics_affected)"
            )
        )
        connection.execute(insert, params)
        return
    # Every row is new: load without the secondary indexes, then build each in one pass.
    indexes = list(cast(Table, CustomerScores.__table__).indexes)
    for index in indexes:
        index.drop(connection, checkfirst=True)
    connection.execute(
        text(
            "TRUNCATE customer_scores"
            if connection.dialect.name == "postgresql"
            else "DELETE FROM customer_scores"
        )
    )
    connection.execute(insert, params)
    for index in indexes:
        index.create(connection)


def _save_state(connection: Connection, values: dict[str, Any]) -> None:
    connection.execute(text("DELETE FROM metrics_state"))
    connection.execute(
        text(
            "INSERT INTO metrics_state (id, stats_as_of, brand_zone, refreshed_at, score_cuts, "
            "clv_model, clv_fitted_on, clv_changed, customers) VALUES (1, :as_of, :brand_zone, "
            ":now, :score_cuts, :clv_model, :clv_fitted_on, :clv_changed, :customers)"
        ).bindparams(
            bindparam("now", type_=UTCDateTime()),
            bindparam("as_of", type_=Date()),
            bindparam("clv_fitted_on", type_=Date()),
        ),
        values,
    )


def _tune_for_refresh(connection: Connection) -> None:
    """PostgreSQL: sort and hash 1M-row sets in memory; skip JIT (compiling costs more than it
    saves here). Both only for this transaction."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL work_mem = '256MB'"))
        connection.execute(text("SET LOCAL jit = off"))


def refresh(
    session: Session,
    as_of: date | None = None,
    *,
    mode: RefreshMode = "auto",
    incremental_max_share: float = INCREMENTAL_MAX_SHARE,
    refit_clv: bool = False,
) -> RefreshReport:
    """Bring every customer's metrics to the end of `as_of` (default: today, UTC).

    `auto` recomputes the purchase aggregates and rows of the customers whose data changed
    since the last refresh (see `_collect_affected`), plus the scores of those whose values
    crossed a moved score boundary, falling back to recomputing everyone when that is
    impossible or not cheaper; `full` always recomputes everyone. Both give the same rows.
    More changed customers than `incremental_max_share` of those kept makes it full. CLV is
    predicted for every buyer, with models refitted on their schedule (see clv_store).
    """
    started = utcnow()
    as_of = as_of or started.date()
    connection = session.connection()
    register_sqlite_functions(connection)  # the local day of a customer's creation
    _tune_for_refresh(connection)
    brand_zone = get_settings().app.brand_timezone
    params: dict[str, Any] = {"as_of": as_of.isoformat(), "now": started, "brand_zone": brand_zone}
    state = _state(connection)
    old = Cuts.from_json(state["score_cuts"], connection.dialect.name) if state else None
    why_full = _why_not_incremental(state, old, as_of, brand_zone, mode)
    recomputed = added = kept = 0
    if not why_full:
        assert state is not None
        recomputed, added = _collect_affected(connection, state["stats_as_of"])
        kept = int(state["customers"] or 0)
        if recomputed > incremental_max_share * max(kept, 1):
            why_full = f"{recomputed:,} of {kept:,} customers changed"
    _write_stats(connection, params, brand_zone, scoped=not why_full)
    rescored = 0
    if why_full:
        cuts = read_cuts(connection)
        _write_scores(connection, cuts, brand_zone, scoped=False)
    else:
        assert old is not None
        cuts = move_cuts(connection, old)
        rescored = rescore_crossers(connection, old, cuts)
        _write_scores(connection, cuts, brand_zone, scoped=True)
    _AFFECTED.drop(connection, checkfirst=True)
    connection.execute(text("DELETE FROM metrics_pending_customers"))
    buyers = cuts.buyers
    refit = clv_store.refit_reason(state or {}, as_of, buyers, force=refit_clv)
    kept_model = None
    if not refit:  # a kept model exists (refit_reason says why not otherwise)
        assert state is not None
        kept_model = clv_store.model_from_json(state["clv_model"])
    model, notes = clv_store.predict_all(connection, as_of, kept_model)
    if kept_model is not None and state is not None:
        notes = (f"CLV predicted with the models fitted as of {state['clv_fitted_on']}",)
    if why_full:
        customers = int(
            connection.execute(text("SELECT count(*) FROM customer_scores")).scalar_one()
        )
    else:  # customers are never deleted: those kept plus the new ones
        customers = kept + added
    _save_state(
        connection,
        {
            "customers": customers,
            "as_of": as_of,
            "brand_zone": brand_zone,
            "now": started,
            "score_cuts": cuts.to_json(),
            "clv_model": clv_store.model_to_json(model) if model else None,
            "clv_fitted_on": as_of if refit else (state or {}).get("clv_fitted_on"),
            "clv_changed": 0 if refit else int((state or {}).get("clv_changed") or 0) + recomputed,
        },
    )
    return RefreshReport(
        as_of=as_of,
        customers=customers,
        with_orders=buyers,
        seconds=(utcnow() - started).total_seconds(),
        clv_notes=notes,
        incremental=not why_full,
        recomputed=buyers if why_full else recomputed,
        why_full=why_full,
        rescored=rescored,
        clv_refit=refit,
    )


def tidy_after_refresh(engine: Engine) -> None:
    """After the refresh committed: fresh planner statistics for the kept tables and, on
    PostgreSQL, the rows it replaced reclaimed and pages marked all-visible, so segment
    queries get index-only scans (VACUUM can't run in a transaction). SQLite plans its joins
    from the statistics (without them the milestone count took twice as long at 1M)."""
    if engine.dialect.name == "sqlite":
        with engine.begin() as connection:
            for table in KEPT_TABLES:
                connection.execute(text(f"ANALYZE {table}"))
        return
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"VACUUM (ANALYZE) {', '.join(KEPT_TABLES)}"))
