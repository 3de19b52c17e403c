"""The composition root: builds the adapters in `connectors/` from settings.

This is the only module of `assistant/` that imports `connectors`; it does so lazily, so the
embedded offline mode never pays for importing LangChain and the openai SDK.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.config import Settings
from assistant.drafting.factory import DrafterConfigError as DrafterConfigError  # re-exported
from assistant.ports import (
    Drafter,
    EmailInbox,
    EmailSender,
    OptOutClassifier,
    ReviewChannel,
    ShopifyAdmin,
    SignatureValidator,
    SmsSender,
    WebhookSender,
)

if TYPE_CHECKING:
    from fastapi import FastAPI
    from rich.console import Console
    from sqlalchemy import Engine

    from assistant.doctor.schemas import Check
    from assistant.drafting.brand import Brand


def build_drafter(settings: Settings, brand: Brand) -> Drafter:
    """The drafter ASSISTANT_LLM selects: `offline` (default) or `openai` (LangChain)."""
    llm = settings.llm
    if llm.provider == "offline":
        from connectors.llm.offline import OfflineDrafter

        return OfflineDrafter(brand)
    if llm.provider == "openai":
        from connectors.llm.openai_chat import ChatModelConfigError, ChatModelDrafter

        chat_provider = llm.chat_provider.strip().lower()
        if chat_provider == "openai" and llm.api_key is None and not llm.base_url:
            raise DrafterConfigError(
                "ASSISTANT_LLM=openai needs OPENAI_API_KEY (hosted OpenAI) or OPENAI_BASE_URL "
                "(an OpenAI-compatible server such as vLLM, Ollama or llama.cpp; a local server "
                "needs no key); set one in the environment or .env, or use ASSISTANT_LLM=offline"
            )
        try:
            return ChatModelDrafter.from_settings(llm)
        except ChatModelConfigError as exc:
            raise DrafterConfigError(str(exc)) from exc
    raise DrafterConfigError(f"ASSISTANT_LLM={llm.provider!r} is not a known drafter")


def build_opt_out_classifier(settings: Settings) -> OptOutClassifier | None:
    """The model that rereads possible opt-outs: only with ASSISTANT_LLM=openai and
    ASSISTANT_LLM_OPT_OUT_CHECK on; None (rules only) otherwise or when it cannot be built."""
    llm = settings.llm
    if llm.provider != "openai" or not llm.opt_out_check:
        return None
    if llm.chat_provider.strip().lower() == "openai" and llm.api_key is None and not llm.base_url:
        return None
    from connectors.llm.openai_chat import ChatModelConfigError
    from connectors.llm.opt_out_check import ChatModelOptOutCheck

    try:
        return ChatModelOptOutCheck.from_settings(llm)
    except ChatModelConfigError:
        return None


def build_sms_sender(settings: Settings) -> SmsSender:
    """Twilio when TWILIO_ACCOUNT_SID is set, else the local outbox (ASSISTANT_OUTBOX_DIR)."""
    if settings.twilio.account_sid:
        from connectors.twilio.sms import TwilioSmsSender

        return TwilioSmsSender.from_settings(settings)
    from connectors.outbox import OutboxSmsSender

    return OutboxSmsSender(settings.delivery.outbox_dir)


def build_email_sender(settings: Settings) -> EmailSender:
    """SMTP when ASSISTANT_SMTP_URL is set, else the local outbox (ASSISTANT_OUTBOX_DIR)."""
    if settings.email.smtp_url is not None and settings.email.smtp_url.get_secret_value():
        from connectors.email.smtp import SmtpEmailSender

        return SmtpEmailSender.from_settings(settings)
    from connectors.outbox import OutboxEmailSender

    return OutboxEmailSender(settings.delivery.outbox_dir)


def build_email_inbox(settings: Settings) -> EmailInbox | None:
    """The mailbox customers' email replies are read from (ASSISTANT_IMAP_URL), else None."""
    if settings.email.imap_url is None or not settings.email.imap_url.get_secret_value():
        return None
    from connectors.email.imap import ImapInbox

    return ImapInbox.from_settings(settings)


def build_webhook_sender(settings: Settings) -> WebhookSender | None:
    """The webhook channel's transport when ASSISTANT_WEBHOOK_URL and ASSISTANT_WEBHOOK_SECRET
    are both set; None otherwise (a webhook message then waits, retried, for the settings)."""
    if not settings.webhook.configured:
        return None
    from connectors.webhook.transport import WebhookSender as HttpWebhookSender

    return HttpWebhookSender.from_settings(settings)


def build_twilio_signature_validator(settings: Settings) -> SignatureValidator | None:
    """Checks X-Twilio-Signature with TWILIO_AUTH_TOKEN; None when no token is set (then every
    Twilio webhook is refused)."""
    token = settings.twilio.auth_token
    if token is None or not token.get_secret_value():
        return None
    from connectors.twilio.signature import TwilioSignatureValidator

    return TwilioSignatureValidator.from_settings(settings)


def build_shopify_admin(
    base_url: str, access_token: str, api_version: str, *, timeout: float = 30.0
) -> ShopifyAdmin:
    """The Admin GraphQL API of one store (`base_url`: https://x.myshopify.com or
    SHOPIFY_API_URL), over httpx (connectors/shopify/client.py)."""
    from connectors.shopify.client import ShopifyGraphQL

    return ShopifyGraphQL(base_url, access_token, api_version, timeout=timeout)


def verify_shopify_webhook(secret: str, body: bytes, signature: str | None) -> bool:
    """Whether `X-Shopify-Hmac-Sha256` (`signature`) signs `body` with the app's secret."""
    from connectors.shopify.signature import verify

    return verify(secret, body, signature)


def build_slack_review_channel(settings: Settings, engine: Engine | None = None) -> ReviewChannel:
    """The `slack` review adapter: cards in SLACK_REVIEW_CHANNEL (needs SLACK_BOT_TOKEN)."""
    from connectors.slack.app import build_poster

    return build_poster(settings, engine)


def build_review_channel(settings: Settings, engine: Engine | None = None) -> ReviewChannel:
    """The review adapter background work pushes to: Slack's (ASSISTANT_REVIEW=slack), or at
    the terminal one that logs ids only (drafts wait for `assistant review`)."""
    if settings.review.channel == "slack":
        return build_slack_review_channel(settings, engine)
    # Background work (the web service, the worker) logs ids only: printing the cards put
    # customers' texts in the service log. `assistant review` prints them at the terminal.
    from assistant.review.notices import NoticeReviewChannel

    return NoticeReviewChannel()


def terminal_review_channel(console: Console, engine: Engine | None = None) -> ReviewChannel:
    """The terminal review adapter, printing on `console`."""
    from connectors.terminal.review import TerminalReviewChannel

    return TerminalReviewChannel(console, engine)


def sweep_slack_review(settings: Settings, engine: Engine | None = None) -> int:
    """With ASSISTANT_REVIEW=slack, post the cards that failed to post before (Slack was down,
    a post's answer was lost); how many. For the worker's periodic tick; 0 otherwise."""
    if settings.review.channel != "slack" or settings.slack.bot_token is None:
        return 0
    from connectors.slack.app import build_poster

    return build_poster(settings, engine).retry_unposted()


def include_slack_routes(app: FastAPI) -> None:
    """Mount `POST /slack/events` (the Bolt app is built from settings on the first request;
    regenerations are the task "review.regenerate", which drafts with `build_drafter`)."""
    from connectors.slack.routes import slack_router

    app.include_router(slack_router())


def warm_slack(app: FastAPI) -> None:
    """Build the app's Slack runtime now (when Slack is configured), not on the first click."""
    from connectors.slack.app import SlackNotConfigured
    from connectors.slack.routes import runtime_for

    with contextlib.suppress(SlackNotConfigured):
        runtime_for(app)


def start_slack_socket_mode(settings: Settings, engine: Engine | None = None) -> object:
    """Connect the Slack app over Socket Mode when SLACK_APP_TOKEN is set; the handler or None."""
    from connectors.slack.app import start_socket_mode

    return start_socket_mode(settings, engine)


def provider_checks(settings: Settings) -> list[Callable[[], Check]]:
    """`assistant doctor`'s checks of each configured outside system (none on defaults)."""
    checks: list[Callable[[], Check]] = []
    if settings.llm.provider == "openai":
        from connectors.llm.health import check_llm

        checks.append(lambda: check_llm(settings))
    if settings.review.channel == "slack" or settings.slack.bot_token is not None:
        from connectors.slack.health import check_slack

        checks.append(lambda: check_slack(settings))
    if settings.twilio.account_sid:
        from connectors.twilio.health import check_twilio

        checks.append(lambda: check_twilio(settings))
    if settings.email.smtp_url is not None and settings.email.smtp_url.get_secret_value():
        from connectors.email.health import check_smtp

        checks.append(lambda: check_smtp(settings))
    if settings.email.imap_url is not None and settings.email.imap_url.get_secret_value():
        from connectors.email.health import check_imap

        checks.append(lambda: check_imap(settings))
    if settings.webhook.url or settings.webhook.secret is not None:
        from connectors.webhook.health import check_webhook

        checks.append(lambda: check_webhook(settings))
    if settings.shopify.shop_domain and settings.shopify.access_token is not None:
        from connectors.shopify.health import check_shopify

        checks.append(lambda: check_shopify(settings))
    return checks
