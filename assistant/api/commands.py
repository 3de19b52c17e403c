"""`assistant serve`: the web service."""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.config import get_settings


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

    from assistant.api.app import serving_app
    from assistant.wiring import start_slack_socket_mode

    # Socket Mode: for teams without a public URL; Slack's websocket, same listeners.
    start_slack_socket_mode(get_settings())
    log_level = get_settings().app.log_level.lower()
    if workers == 1:
        uvicorn.run(serving_app(), host=host, port=port, log_level=log_level)
        return
    uvicorn.run(
        f"{serving_app.__module__}:{serving_app.__name__}",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
    )
