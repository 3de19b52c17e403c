"""Evaluate segments in tests: built-ins by name, or ad-hoc definitions given as mappings."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Engine

from assistant.db import unit_of_work
from assistant.segments import service
from assistant.segments.definition import build_segment
from assistant.segments.registry import Catalog, builtin_segments
from tests.segments.stores import AS_OF


def catalog_with(*documents: Mapping[str, Any]) -> Catalog:
    """The built-ins plus `documents` (as user definitions)."""
    segments = dict(builtin_segments())
    for document in documents:
        segment = build_segment(dict(document), source="user", origin="test")
        segments[segment.name] = segment
    return Catalog(segments)


def members(
    engine: Engine,
    segment: str | Mapping[str, Any],
    params: Mapping[str, Any] | None = None,
    as_of: date | None = AS_OF,
) -> dict[str, dict[str, Any]]:
    """Each member's external id and qualifier; checks the count agrees."""
    if isinstance(segment, str):
        catalog, name = catalog_with(), segment
    else:
        document = {"name": "adhoc", **segment}
        catalog, name = catalog_with(document), str(document["name"])
    with unit_of_work(engine) as session:
        evaluation = service.evaluate(session, name, params, as_of, catalog=catalog)
        found = {m.customer_id: m.qualifier for m in service.iter_members(session, evaluation)}
        assert service.count(session, evaluation) == len(found)
    return found


def where(engine: Engine, condition: Mapping[str, Any], as_of: date = AS_OF) -> set[str]:
    """The external ids of the customers satisfying one condition tree."""
    return set(members(engine, {"where": condition}, as_of=as_of))
