"""`assistant serve`: the web service."""

from __future__ import annotations

import logging
from typing import Annotated, Any

import typer

from assistant.config import Settings, get_settings

log = logging.getLogger(__name__)


def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on (0.0.0.0 for every interface).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port to listen on.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1, max=64, help="Web server processes (about one per core; needs PostgreSQL)."
        ),
    ] = 1,
) -> None:
    """Run the web service (and the Slack app over Socket Mode when SLACK_APP_TOKEN is set).

    With --workers N, uvicorn starts N processes that each build the app; every webhook and
    API request is stateless, so any process may answer any request.
    """
    import uvicorn

    from assistant.api.app import serving_app, serving_process_app
    from assistant.observability.logging import configure_logging
    from assistant.wiring import start_slack_socket_mode

    settings = get_settings()
    configure_logging(settings.app.log_format, settings.app.log_level, default="json")
    log_configuration_warnings(settings)
    # Socket Mode: for teams without a public URL; Slack's websocket, same listeners.
    start_slack_socket_mode(settings)
    options = server_options(host, port, settings.app.log_level)
    if workers == 1:
        uvicorn.run(serving_app(), **options)
        return
    # Each process builds the app (and configures its logging) from the factory.
    target = f"{serving_process_app.__module__}:{serving_process_app.__name__}"
    uvicorn.run(target, factory=True, workers=workers, **options)


def log_configuration_warnings(settings: Settings) -> None:
    """One warning line per setting that works but falls short (names, never values)."""
    from assistant.commandline.preflight import configuration_warnings

    for warning in configuration_warnings(settings):
        log.warning("config.warning setting=%s problem=%s", warning.setting, warning.problem)


def server_options(host: str, port: int, log_level: str) -> dict[str, Any]:
    """uvicorn's settings: our logging as configured, and no access log of its own.

    Uvicorn's access log prints raw paths, and `/unsubscribe/{token}` carries a secret;
    `assistant.observability.http` logs each request by its route template instead.
    """
    return {
        "host": host,
        "port": port,
        "log_level": log_level.lower(),
        "log_config": None,
        "access_log": False,
    }
