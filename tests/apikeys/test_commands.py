"""`assistant apikeys create|list|revoke`, run as a person would: the key is printed once,
only its hash is stored, and mistakes are one line with exit code 2."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import Engine, select

from assistant.db import unit_of_work
from assistant.models import AuditEntry
from tests.apikeys.helpers import database_dump, make_key, stored
from tests.clitools import invoke


def test_create_prints_the_key_once_and_stores_only_its_hash(engine: Engine) -> None:
    result = invoke("apikeys", "create", "--name", "shopify-sync", "--scope", "ingest")
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()  # the key alone on stdout, for KEY=$(...)
    assert key.startswith("ak_") and len(key) == 3 + 8 + 1 + 64
    assert "will not be shown again" in result.stderr
    assert result.output.count(key) == 1

    row = stored(engine, "shopify-sync")
    assert (row.scope, row.prefix) == ("ingest", key[:11])
    assert row.hash == hashlib.sha256(key.encode()).hexdigest()
    dump = database_dump(engine)
    assert row.hash in dump
    assert key not in dump and key[12:] not in dump  # neither the key nor its secret part

    listed = invoke("apikeys", "list")
    assert listed.exit_code == 0, listed.output
    assert "shopify-sync" in listed.output and key[:11] in listed.output
    assert key[12:20] not in listed.output and row.hash[:16] not in listed.output


def test_create_json_gives_the_key_with_its_details(engine: Engine) -> None:
    result = invoke("apikeys", "create", "--name", "ops", "--scope", "admin", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["name"] == "ops" and body["scope"] == "admin"
    assert body["key"].startswith(body["prefix"] + "_")
    assert body["last_used_at"] is None and body["revoked_at"] is None
    assert "hash" not in body


def test_list_json_never_shows_a_key_or_hash(engine: Engine) -> None:
    keys = [make_key(engine, "one", "review"), make_key(engine, "two", "ingest")]
    result = invoke("apikeys", "list", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["name"], r["scope"]) for r in rows] == [("two", "ingest"), ("one", "review")]
    assert set(rows[0]) == {
        "id",
        "name",
        "scope",
        "prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    }
    for key in keys:
        assert key[12:] not in result.output
    assert stored(engine, "one").hash not in result.output


def test_revoke_by_name_or_prefix_is_idempotent_and_frees_the_name(engine: Engine) -> None:
    key = make_key(engine, "ci", "review")
    first = invoke("apikeys", "revoke", "ci")
    assert first.exit_code == 0, first.output
    assert f"API key 'ci' ({key[:11]}) revoked" in first.output
    assert stored(engine, "ci").revoked_at is not None

    for again in ("ci", key[:11], key[3:11]):
        result = invoke("apikeys", "revoke", again)
        assert result.exit_code == 0, result.output
        assert "was already revoked" in result.output

    # The name is free again; its prefix still finds the old, revoked key.
    newer = invoke("apikeys", "create", "--name", "ci", "--scope", "ingest")
    assert newer.exit_code == 0, newer.output
    by_prefix = invoke("apikeys", "revoke", newer.stdout.strip()[:11])
    assert by_prefix.exit_code == 0 and "revoked" in by_prefix.output
    with unit_of_work(engine) as session:
        actions = session.execute(
            select(AuditEntry.action, AuditEntry.actor)
            .where(AuditEntry.entity_type == "api_key")
            .order_by(AuditEntry.id)
        ).all()
    assert actions == [
        ("apikey.created", "test"),
        ("apikey.revoked", "cli"),
        ("apikey.created", "cli"),
        ("apikey.revoked", "cli"),
    ]
    listed = json.loads(invoke("apikeys", "list", "--json").stdout)
    assert [(r["name"], r["revoked_at"] is not None) for r in listed] == [
        ("ci", True),
        ("ci", True),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("create", "--name", "x", "--scope", "owner"), "unknown scope 'owner': use one of"),
        (("create", "--name", "dup", "--scope", "review"), "a key named 'dup' is in use"),
        (("create", "--name", "two words", "--scope", "review"), "invalid key name"),
        (("create", "--name", "bootstrap", "--scope", "admin"), "reserved"),
        (("revoke", "nobody"), "no API key named or prefixed 'nobody'"),
        (("revoke", "ak_00000000"), "no API key named or prefixed 'ak_00000000'"),
    ],
    ids=["unknown-scope", "duplicate-name", "bad-name", "reserved-name", "unknown", "prefix"],
)
def test_mistakes_are_one_line_with_exit_code_2(
    engine: Engine, args: tuple[str, ...], message: str
) -> None:
    make_key(engine, "dup", "review")
    before = database_dump(engine)
    result = invoke("apikeys", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr
    assert database_dump(engine) == before
