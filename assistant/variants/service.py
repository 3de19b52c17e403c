"""Variants at work: the plan a run drafts with, promotion of a winner, and the listing.

A promotion is one row per playbook (`variant_promotions`): while it stands, every new draft
of the playbook gets the promoted variant; removing it resumes the test with the same hash,
so each customer is back on the variant they had before.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.db import upsert_insert
from assistant.drafting.prompts import load_prompt
from assistant.models import VariantPromotion
from assistant.models.base import utcnow
from assistant.playbooks import PLAYBOOKS, Playbook
from assistant.variants.assign import Arm, VariantPlan
from assistant.variants.config import VariantsConfig, load_variants

logger = logging.getLogger(__name__)


def variant_plan(
    playbook: Playbook, promoted: str | None = None, folder: Path | None = None
) -> VariantPlan | None:
    """The variants a run of `playbook` drafts with; None when it has none.

    A run whose template was overridden (a trigger's follow-up step with its own prompt)
    is not part of the test: None.
    """
    config = load_variants(folder)
    variants = config.playbooks.get(playbook.name)
    base = PLAYBOOKS.get(playbook.name)
    if not variants or base is None or playbook.prompt != base.prompt:
        return None
    arms = tuple(
        Arm(v.name, load_prompt(v.prompt or playbook.prompt, folder), v.instruction, v.weight)
        for v in variants
    )
    if promoted is not None and promoted not in {a.name for a in arms}:
        logger.warning("variants.promotion_ignored playbook=%s variant=%s", playbook.name, promoted)
        promoted = None
    return VariantPlan(playbook.name, arms, promoted)


def promoted_variant(session: Session, playbook: str) -> str | None:
    """The promoted variant of `playbook`, if a promotion stands."""
    row = session.get(VariantPromotion, playbook)
    return row.variant if row is not None else None


def promote(
    session: Session,
    playbook: str,
    variant: str,
    *,
    actor: str,
    config: VariantsConfig | None = None,
) -> VariantPromotion:
    """Make `variant` the only one assigned for `playbook`; `UnknownVariant` if not declared."""
    chosen = (config or load_variants()).variant(playbook, variant)
    now = utcnow()
    values = {
        "playbook": playbook,
        "variant": chosen.name,
        "promoted_by": actor,
        "promoted_at": now,
    }
    statement = upsert_insert(session, VariantPromotion).values(**values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["playbook"],
            set_={"variant": chosen.name, "promoted_by": actor, "promoted_at": now},
        )
    )
    session.flush()
    logger.info("variants.promoted playbook=%s variant=%s", playbook, chosen.name)
    row = session.get(VariantPromotion, playbook, populate_existing=True)
    assert row is not None
    return row


def unpromote(session: Session, playbook: str, *, config: VariantsConfig | None = None) -> bool:
    """Resume the test of `playbook`; False when no promotion stood."""
    (config or load_variants()).variants_of(playbook)
    row = session.get(VariantPromotion, playbook)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    logger.info("variants.unpromoted playbook=%s", playbook)
    return True


@dataclass(frozen=True)
class Listed:
    """One playbook's variants as `variants list` shows them."""

    playbook: str
    variants: list[dict[str, Any]]
    promoted: str | None
    promoted_by: str | None
    promoted_at: datetime | None
    # A promotion naming a variant the file no longer declares is ignored when drafting.
    promotion_ignored: bool


def list_variants(
    session: Session, playbook: str | None = None, *, config: VariantsConfig | None = None
) -> list[Listed]:
    """Every tested playbook (or just `playbook`) with shares and its promotion."""
    config = config or load_variants()
    names = [playbook] if playbook is not None else list(config.playbooks)
    rows = {
        row.playbook: row
        for row in session.execute(
            select(VariantPromotion).where(VariantPromotion.playbook.in_(names))
        ).scalars()
    }
    listed = []
    for name in names:
        variants = config.variants_of(name)
        total = sum(v.weight for v in variants)
        row = rows.get(name)
        declared = {v.name for v in variants}
        live = row.variant if row is not None and row.variant in declared else None
        listed.append(
            Listed(
                playbook=name,
                variants=[
                    {
                        "name": v.name,
                        "weight": v.weight,
                        "share": (1.0 if v.name == live else 0.0)
                        if live
                        else round(v.weight / total, 4),
                        "prompt": v.prompt or PLAYBOOKS[name].prompt,
                        "instruction": v.instruction,
                        "description": v.description,
                    }
                    for v in variants
                ],
                promoted=row.variant if row is not None else None,
                promoted_by=row.promoted_by if row is not None else None,
                promoted_at=row.promoted_at if row is not None else None,
                promotion_ignored=row is not None and live is None,
            )
        )
    return listed


def report_inputs(
    session: Session, config: VariantsConfig | None = None
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """(declared variant names per playbook, promoted variant per playbook) for the report."""
    config = config or load_variants()
    declared = {name: [v.name for v in variants] for name, variants in config.playbooks.items()}
    rows = session.execute(select(VariantPromotion.playbook, VariantPromotion.variant)).all()
    return declared, {playbook: variant for playbook, variant in rows}
