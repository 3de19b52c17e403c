"""The review app: one Bolt app built from settings, served over HTTP or Socket Mode.

`build_runtime` makes the WebClient (pointed at SLACK_API_URL when set, with the SDK's own
retries off), the poster (the `slack` ReviewChannel), the authorizer and the Bolt app with
every listener registered. Over HTTP the FastAPI route (`routes.py`) checks each request's
signature before Bolt sees it (and Bolt checks it again); over Socket Mode
(`SLACK_APP_TOKEN`) Slack's websocket carries the same payloads to the same listeners.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from sqlalchemy import Engine

from assistant.config import Settings
from assistant.jobs.runners import TaskRunner
from connectors.slack import overrides
from connectors.slack.auth import Authorizer, parse_ids
from connectors.slack.listeners import Background, ReviewHandlers, register, run_inline
from connectors.slack.pacing import build_pacer
from connectors.slack.poster import SlackPoster
from connectors.slack.transport import Pacer, build_client

logger = logging.getLogger(__name__)


class _SameToken(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that our client's token wins: it is ours."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def _bolt_logger() -> logging.Logger:
    bolt = logging.getLogger("connectors.slack.bolt")
    if not any(isinstance(f, _SameToken) for f in bolt.filters):
        bolt.addFilter(_SameToken())
    return bolt


class SlackNotConfigured(ValueError):
    """Settings the Slack app needs are missing; the message names them."""


@dataclass
class SlackRuntime:
    """The Bolt app and what its listeners share."""

    app: App
    poster: SlackPoster
    authorizer: Authorizer
    signing_secret: str


def _required(settings: Settings) -> tuple[str, str, str]:
    slack = settings.slack
    token = slack.bot_token.get_secret_value() if slack.bot_token else ""
    secret = slack.signing_secret.get_secret_value() if slack.signing_secret else ""
    channel = (slack.review_channel or "").strip()
    missing = [
        name
        for name, value in (
            ("SLACK_BOT_TOKEN", token),
            ("SLACK_SIGNING_SECRET", secret),
            ("SLACK_REVIEW_CHANNEL", channel),
        )
        if not value
    ]
    if missing:
        raise SlackNotConfigured(
            f"Slack review needs {', '.join(missing)} (see README: Reviewing in Slack)"
        )
    return token, secret, channel


def build_poster(
    settings: Settings, engine: Engine | None = None, *, pacer: Pacer | None = None
) -> SlackPoster:
    """The `slack` ReviewChannel alone (workers that post but do not listen), paced per
    channel across processes when a Redis broker is configured (`pacing.build_pacer`)."""
    token, _, channel = _required(settings)
    client = build_client(token, settings.slack.api_url)
    return SlackPoster(client, channel, engine=engine, pacer=pacer or build_pacer(settings))


def build_runtime(
    settings: Settings,
    engine: Engine | None = None,
    *,
    pacer: Pacer | None = None,
    background: Background = run_inline,
    runner: TaskRunner | None = None,
) -> SlackRuntime:
    """The Bolt app with its listeners, from settings (no network until a request comes).

    `runner` runs the regenerations reviewers ask for (default: the configured one).
    """
    _, secret, _ = _required(settings)
    poster = build_poster(settings, engine, pacer=pacer)
    slack = settings.slack
    authorizer = Authorizer(
        poster.client,
        users=parse_ids(slack.allowed_users),
        usergroup=(slack.allowed_usergroup or "").strip() or None,
    )
    app = App(
        client=poster.client,
        signing_secret=secret,
        # auth.test runs on the first request, not here: building the app needs no network.
        token_verification_enabled=False,
        # Listeners ack, the answer goes out, then the rest of the listener runs.
        process_before_response=False,
        logger=_bolt_logger(),
    )
    handlers = ReviewHandlers(
        poster,
        authorizer,
        settings,
        engine=engine,
        background=background,
        runner=runner,
    )
    register(app, handlers)
    overrides.register(app, handlers)

    @app.error
    def _on_error(error: Exception) -> None:
        # Never the request body: it carries draft texts and customer names.
        logger.error("slack.listener_failed error=%s", type(error).__name__, exc_info=error)

    return SlackRuntime(app=app, poster=poster, authorizer=authorizer, signing_secret=secret)


def build_socket_mode_handler(runtime: SlackRuntime, settings: Settings) -> SocketModeHandler:
    """A Socket Mode handler for `runtime` (call `.connect()` to start; no network before)."""
    if settings.slack.app_token is None or not settings.slack.app_token.get_secret_value():
        raise SlackNotConfigured("Socket Mode needs SLACK_APP_TOKEN (xapp-...)")
    app_token = settings.slack.app_token.get_secret_value()
    web_client = build_client(app_token, settings.slack.api_url)
    return SocketModeHandler(runtime.app, app_token, web_client=web_client)


def start_socket_mode(settings: Settings, engine: Engine | None = None) -> SocketModeHandler | None:
    """Connect over Socket Mode when SLACK_APP_TOKEN is set; the handler, or None."""
    if settings.slack.app_token is None or not settings.slack.app_token.get_secret_value():
        return None
    runtime = build_runtime(settings, engine)
    handler = build_socket_mode_handler(runtime, settings)
    handler.connect()  # type: ignore[no-untyped-call]
    logger.info("slack.socket_mode_connected")
    return handler
