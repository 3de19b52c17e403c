"""`assistant db`: apply or revert the schema's migrations."""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.commandline.output import console
from assistant.commandline.preflight import database_engine, load_settings
from assistant.db import redacted_url

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[
        str, typer.Argument(help="Target revision (default: the newest).")
    ] = "head",
) -> None:
    """Apply Alembic migrations (default: all)."""
    from assistant.migrate import current_revision, upgrade

    settings = load_settings()
    engine = database_engine()
    upgrade(engine, revision)
    console.print(
        f"{redacted_url(settings.database.url)} is at revision {current_revision(engine)}"
    )


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target, e.g. base.")]) -> None:
    """Revert migrations down to REVISION."""
    from assistant.migrate import current_revision, downgrade

    load_settings()
    engine = database_engine()
    downgrade(engine, revision)
    console.print(f"now at revision {current_revision(engine)}")
