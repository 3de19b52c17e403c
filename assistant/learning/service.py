"""Examples learned from staff edits: harvest on an edited approval, list, remove, select.

Harvest rule: when a reviewer approves a draft they edited (edit distance above 0), the
approved body, anonymised (`anonymise`), becomes an example for the draft's playbook and
written channel (sms or email; a webhook message is written as an SMS). Replies to a
customer's own message are not harvested: they answer one person. The original text is
never stored. An example whose fingerprint (the hash of its normalised text) is already
held for that playbook and channel is not stored again, removed or not: a removed example
never comes back.

Selection (what prompts and the offline drafter get): of the playbook's and channel's
examples still in use, newest first, up to `SELECTED` whose openings (first three words
after the greeting) differ; when fewer differ, the newest of the rest fill the places.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.db import upsert_insert
from assistant.drafting.brand import Brand, PromptsConfigError, load_brand
from assistant.drafting.product_names import short_product_name
from assistant.learning import anonymise as anon
from assistant.models import Customer, DraftExample, Product
from assistant.models.base import utcnow
from assistant.playbooks import PLAYBOOKS, Playbook
from assistant.ports import written_as

SELECTED = 3
# Newest examples looked at when selecting: enough for distinct openings, cheap to read.
CANDIDATES = 50
# Shorter anonymised texts teach nothing ("Thanks! [signature]").
MIN_WORDS = 5
NOT_HARVESTED = frozenset({"reply"})
_PRODUCT_SECTIONS = ("purchase", "product", "return", "relaunch")
_PRODUCT_KEYS = ("product", "name", "short_name")
_OPENING_WORDS = 3


class ExampleNotFound(LookupError):
    """No learned example with that id."""


class BadExampleInput(ValueError):
    """A filter names an unknown playbook or channel; the message lists the valid ones."""


@dataclass(frozen=True)
class Removal:
    """An example after `remove`, and whether this call removed it."""

    row: DraftExample
    changed: bool


def fingerprint(text: str) -> str:
    """`sha256:` and the hash of the text lower-cased, punctuation and spacing dropped."""
    words = re.findall(r"\[\w+\]|\w+", anon.fold(text))
    return "sha256:" + hashlib.sha256(" ".join(words).encode()).hexdigest()


def _texts(section: Any, keys: Iterable[str]) -> list[str]:
    if not isinstance(section, Mapping):
        return []
    return [str(section[k]) for k in keys if isinstance(section.get(k), str | int)]


def _products(names: Iterable[str]) -> set[str]:
    found = set()
    for name in names:
        if name and name.strip():
            found |= {name.strip(), short_product_name(name)}
    return found


def known_for(
    session: Session, facts: Mapping[str, Any], customer_id: int | None, brand: Brand | None
) -> anon.Known:
    """Everything to take out of a text written for this customer from these facts."""
    customer = facts.get("customer") if isinstance(facts.get("customer"), Mapping) else {}
    first = _texts(customer, ("first_name",))
    last: list[str] = []
    contacts: list[str] = []
    row = session.get(Customer, customer_id) if customer_id is not None else None
    if row is not None:
        first += [row.first_name or ""]
        last += [row.last_name or ""]
        contacts += [row.email or "", row.phone or ""]
    products: set[str] = set()
    for section in _PRODUCT_SECTIONS:
        products |= _products(_texts(facts.get(section), _PRODUCT_KEYS))
    upgrades = _products(_texts(facts.get("upgrade"), _PRODUCT_KEYS))
    catalog = session.execute(select(Product.name, Product.short_name)).all()
    products |= _products(n for pair in catalog for n in pair if n) - upgrades
    offer = facts.get("offer")
    values = {
        anon.FIRST_NAME: first,
        anon.LAST_NAME: last,
        anon.LINK: contacts,
        anon.UPGRADE: upgrades,
        anon.PRODUCT: products,
        "[improvement]": _texts(facts.get("relaunch"), ("improvement",))
        + _texts(facts.get("upgrade"), ("improvement",)),
        "[offer]": _texts(offer, ("description",)),
        "[code]": _texts(offer, ("code",)),
    }
    signatures: list[str] = []
    words: list[str] = []
    if brand is not None:
        signatures = [brand.signature("sms"), brand.signature("email")]
        words = [brand.name, brand.sender_name, brand.sign_off, *brand.words_to_use]
    return anon.Known(values=values, signatures=signatures, brand_words=words)


def _brand() -> Brand | None:
    try:
        return load_brand()
    except PromptsConfigError:
        return None


def harvest(
    session: Session,
    *,
    draft_id: int,
    playbook: str,
    channel: str,
    facts: Mapping[str, Any],
    customer_id: int | None,
    text: str,
    brand: Brand | None = None,
    now: datetime | None = None,
) -> bool:
    """Store the anonymised `text` as an example unless its fingerprint is held; whether
    a new example was stored. Flushes; the caller's unit of work commits."""
    if playbook in NOT_HARVESTED:
        return False
    example = anon.anonymise(text, known_for(session, facts, customer_id, brand or _brand()))
    if len(re.findall(r"[^\W\d_]{2,}", re.sub(r"\[\w+\]", "", example))) < MIN_WORDS:
        return False
    values = {
        "playbook": playbook,
        "channel": written_as(channel),
        "text": example,
        "fingerprint": fingerprint(example),
        "source_draft_id": draft_id,
        "created_at": now or utcnow(),
    }
    statement = (
        upsert_insert(session, DraftExample)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["playbook", "channel", "fingerprint"])
    )
    result = session.execute(statement)
    return bool(getattr(result, "rowcount", 0))


def _check(playbook: str | None, channel: str | None) -> None:
    if playbook is not None and playbook not in PLAYBOOKS:
        raise BadExampleInput(
            f"unknown playbook {playbook!r}; use one of {', '.join(sorted(PLAYBOOKS))}"
        )
    if channel is not None and channel not in ("sms", "email"):
        raise BadExampleInput(f"unknown channel {channel!r}; use sms or email")


def listing(
    session: Session,
    *,
    playbook: str | None = None,
    channel: str | None = None,
    removed: bool = False,
    limit: int = 200,
    before: int | None = None,
) -> list[DraftExample]:
    """Examples newest first (in use only, unless `removed`); `before`: ids below it."""
    _check(playbook, channel)
    query = select(DraftExample).order_by(DraftExample.id.desc()).limit(limit)
    if playbook is not None:
        query = query.where(DraftExample.playbook == playbook)
    if channel is not None:
        query = query.where(DraftExample.channel == channel)
    if not removed:
        query = query.where(DraftExample.removed_at.is_(None))
    if before is not None:
        query = query.where(DraftExample.id < before)
    return list(session.execute(query).scalars())


def describe(row: DraftExample) -> dict[str, Any]:
    """One example as the CLI and the API show it."""
    return {
        "id": row.id,
        "playbook": row.playbook,
        "channel": row.channel,
        "created_at": row.created_at,
        "text": row.text,
        "removed_at": row.removed_at,
        "removed_by": row.removed_by,
    }


def remove(session: Session, example_id: int, *, actor: str, now: datetime) -> Removal:
    """Stop using an example (idempotent); its row and fingerprint stay, so the same edit
    is never learned again."""
    row = session.get(DraftExample, example_id, with_for_update=True)
    if row is None:
        raise ExampleNotFound(f"no learned example {example_id}")
    if row.removed_at is not None:
        return Removal(row, False)
    row.removed_at, row.removed_by = now, actor
    session.flush()
    return Removal(row, True)


def opening(text: str) -> str:
    """The first words after the greeting, folded: how alike two examples begin."""
    body = anon.fold(re.sub(r"^\s*(?:hi|hello|hey|dear)\b[^,!\n]*[,!]\s*", "", text, flags=re.I))
    return " ".join(re.findall(r"\[\w+\]|\w+", body)[:_OPENING_WORDS])


def choose(texts: Iterable[str], limit: int = SELECTED) -> tuple[str, ...]:
    """Up to `limit` of `texts` (newest first): distinct openings first, then the newest."""
    candidates = list(texts)
    picked: list[str] = []
    seen: set[str] = set()
    for text in candidates:
        key = opening(text)
        if key not in seen and len(picked) < limit:
            picked.append(text)
            seen.add(key)
    for text in candidates:
        if len(picked) >= limit:
            break
        if text not in picked:
            picked.append(text)
    # Keep the newest-first order of the input.
    return tuple(t for t in candidates if t in picked)


def selected(session: Session, playbook: str, channel: str) -> tuple[str, ...]:
    """The learned examples a run of `playbook` on `channel` uses (one query per run)."""
    rows = session.execute(
        select(DraftExample.text)
        .where(
            DraftExample.playbook == playbook,
            DraftExample.channel == written_as(channel),
            DraftExample.removed_at.is_(None),
        )
        .order_by(DraftExample.created_at.desc(), DraftExample.id.desc())
        .limit(CANDIDATES)
    ).scalars()
    return choose(rows)


def for_run(session: Session, playbook: Playbook, channel: str) -> tuple[str, ...]:
    """The learned examples for a run of `playbook` on `channel`; none when the run drafts
    with another template than the playbook's own (a trigger's follow-up step)."""
    if playbook.prompt != playbook.name:
        return ()
    return selected(session, playbook.name, channel)
