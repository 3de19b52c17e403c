"""One Settings object of small nested groups, read from the environment or `.env`.

Each field names its environment variable explicitly (the names are a published contract,
see `.env.example`), so groups can be regrouped without renaming anything users set.
Settings are read once through `get_settings()`, never at import time.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_ENV = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")


def _env(name: str, default: Any = None, **kwargs: Any) -> Any:
    """A field read from exactly the environment variable `name`."""
    return Field(default=default, validation_alias=name, **kwargs)


class AppSettings(BaseSettings):
    """What the brand and the running service are."""

    model_config = _ENV

    public_url: str = _env(
        "ASSISTANT_PUBLIC_URL", "http://127.0.0.1:8000", description="base URL Twilio/Slack call"
    )
    default_phone_region: str = _env(
        "ASSISTANT_DEFAULT_PHONE_REGION", "US", description="region for numbers without +country"
    )
    default_currency: str = _env("ASSISTANT_DEFAULT_CURRENCY", "USD")
    brand_timezone: str = _env("ASSISTANT_BRAND_TIMEZONE", "America/New_York")
    brand_postal_address: str | None = _env(
        "ASSISTANT_BRAND_POSTAL_ADDRESS",
        description="the brand's postal address, in every marketing email's footer (CAN-SPAM); "
        "required when email is on",
    )
    log_level: str = _env("ASSISTANT_LOG_LEVEL", "INFO")
    log_format: Literal["json", "console"] | None = _env(
        "ASSISTANT_LOG_FORMAT", description="json or console (default: json for serve/worker)"
    )
    api_keys: SecretStr | None = _env(
        "ASSISTANT_API_KEYS",
        description="bootstrap only: comma-separated admin bearer keys for /api/v1",
    )
    segments_dir: str = _env(
        "ASSISTANT_SEGMENTS_DIR", "segments", description="folder of user segment definitions"
    )
    prompts_dir: str | None = _env(
        "ASSISTANT_PROMPTS_DIR", description="prompt templates and brand.yaml (default: bundled)"
    )
    eval_dir: str = _env(
        "ASSISTANT_EVAL_DIR", ".assistant/evals", description="recorded `assistant eval` runs"
    )
    max_body_bytes: int = _env(
        "ASSISTANT_MAX_BODY_BYTES",
        2 * 1024 * 1024,
        ge=1024,
        description="largest /api/v1 request body, in bytes (larger: 413)",
    )
    secret_key: SecretStr | None = _env(
        "ASSISTANT_SECRET_KEY",
        description="signs unsubscribe links and /reports sessions (32+ random characters)",
    )

    @field_validator("secret_key")
    @classmethod
    def _long_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            return None
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters (e.g. `openssl rand -hex 32`)")
        return value

    @field_validator("default_phone_region")
    @classmethod
    def _upper_region(cls, value: str) -> str:
        if len(value) != 2 or not value.isalpha():
            raise ValueError("must be a two-letter ISO country code such as US or GB")
        return value.upper()


class DatabaseSettings(BaseSettings):
    """Where the data lives."""

    model_config = _ENV

    url: str = _env("ASSISTANT_DATABASE_URL", "sqlite:///./assistant.db")
    echo: bool = _env("ASSISTANT_DATABASE_ECHO", False)


class MetricsSettings(BaseSettings):
    """How customer metrics and predicted value are computed."""

    model_config = _ENV

    clv_months: int = _env("ASSISTANT_CLV_MONTHS", 12, ge=0, le=120)
    clv_monthly_discount: float = _env("ASSISTANT_CLV_MONTHLY_DISCOUNT", 0.01, ge=0, lt=1)
    clv_refit_days: int = _env(
        "ASSISTANT_CLV_REFIT_DAYS",
        7,
        ge=1,
        le=366,
        description="refit the CLV models when the last fit is this many days old",
    )
    clv_refit_share: float = _env(
        "ASSISTANT_CLV_REFIT_SHARE",
        0.1,
        gt=0,
        le=1,
        description="refit the CLV models sooner once this share of buyers changed since",
    )
    attribution_days: int = _env(
        "ASSISTANT_ATTRIBUTION_DAYS", 7, ge=1, le=365, description="order attribution window"
    )
    holdout_percent: float = _env(
        "ASSISTANT_HOLDOUT_PERCENT",
        10.0,
        ge=0,
        le=50,
        description="share of eligible customers every campaign and trigger holds out",
    )
    cost_per_sms_segment: float = _env("ASSISTANT_COST_PER_SMS_SEGMENT", 0.0079, ge=0)
    cost_per_email: float = _env("ASSISTANT_COST_PER_EMAIL", 0.0, ge=0)
    variant_min_sent: int = _env(
        "ASSISTANT_VARIANT_MIN_SENT",
        100,
        ge=1,
        le=1_000_000,
        description="sent messages each variant needs before the variant report compares them",
    )


class LLMSettings(BaseSettings):
    """Which drafter writes the messages."""

    model_config = _ENV

    provider: Literal["offline", "openai"] = _env("ASSISTANT_LLM", "offline")
    model: str = _env("ASSISTANT_LLM_MODEL", "gpt-4o-mini")
    api_key: SecretStr | None = _env("OPENAI_API_KEY")
    base_url: str | None = _env("OPENAI_BASE_URL")
    chat_provider: str = _env(
        "ASSISTANT_LLM_PROVIDER",
        "openai",
        description="LangChain model provider (init_chat_model) when ASSISTANT_LLM=openai",
    )
    temperature: float = _env("ASSISTANT_LLM_TEMPERATURE", 0.7, ge=0, le=2)
    timeout_seconds: float = _env("ASSISTANT_LLM_TIMEOUT", 30.0, gt=0)
    max_retries: int = _env("ASSISTANT_LLM_MAX_RETRIES", 5, ge=0, le=20)
    concurrency: int = _env("ASSISTANT_LLM_CONCURRENCY", 8, ge=1, le=500)
    requests_per_minute: int = _env("ASSISTANT_LLM_RPM", 500, ge=1)
    tokens_per_minute: int = _env("ASSISTANT_LLM_TPM", 200_000, ge=1)
    cost_input_per_mtok: float = _env("ASSISTANT_LLM_COST_INPUT_PER_MTOK", 0.15, ge=0)
    cost_output_per_mtok: float = _env("ASSISTANT_LLM_COST_OUTPUT_PER_MTOK", 0.60, ge=0)
    opt_out_check: bool = _env(
        "ASSISTANT_LLM_OPT_OUT_CHECK",
        True,
        description="ask the model about possible opt-outs the rules flag (ASSISTANT_LLM=openai)",
    )
    opt_out_timeout_seconds: float = _env("ASSISTANT_LLM_OPT_OUT_TIMEOUT", 4.0, gt=0, le=10)


class SlackSettings(BaseSettings):
    """The Slack app staff review drafts in."""

    model_config = _ENV

    bot_token: SecretStr | None = _env("SLACK_BOT_TOKEN")
    signing_secret: SecretStr | None = _env("SLACK_SIGNING_SECRET")
    app_token: SecretStr | None = _env("SLACK_APP_TOKEN")
    review_channel: str | None = _env("SLACK_REVIEW_CHANNEL")
    api_url: str | None = _env("SLACK_API_URL")
    allowed_users: str | None = _env(
        "SLACK_ALLOWED_USERS", description="comma-separated Slack user ids who may review"
    )
    allowed_usergroup: str | None = _env(
        "SLACK_ALLOWED_USERGROUP", description="Slack user group id whose members may review"
    )


class TwilioSettings(BaseSettings):
    """SMS delivery through Twilio."""

    model_config = _ENV

    account_sid: str | None = _env("TWILIO_ACCOUNT_SID")
    auth_token: SecretStr | None = _env("TWILIO_AUTH_TOKEN")
    messaging_service_sid: str | None = _env("TWILIO_MESSAGING_SERVICE_SID")
    from_number: str | None = _env("TWILIO_FROM_NUMBER")
    api_url: str | None = _env("TWILIO_API_URL")
    keyword_replies: Literal["provider", "app"] = _env(
        "ASSISTANT_SMS_KEYWORD_REPLIES",
        "provider",
        description="who answers STOP/START/HELP: provider (Twilio) or app (brand texts)",
    )


class EmailSettings(BaseSettings):
    """Email delivery over SMTP."""

    model_config = _ENV

    smtp_url: SecretStr | None = _env("ASSISTANT_SMTP_URL")
    sender: str = _env("ASSISTANT_EMAIL_FROM", "Customer Care <care@example.com>")
    dkim_private_key: SecretStr | None = _env(
        "ASSISTANT_DKIM_PRIVATE_KEY",
        description="DKIM private key (PEM text or a file path); unset: the relay signs",
    )
    dkim_selector: str | None = _env(
        "ASSISTANT_DKIM_SELECTOR", description="DKIM selector (the s= tag, <s>._domainkey)"
    )
    dkim_domain: str | None = _env(
        "ASSISTANT_DKIM_DOMAIN", description="DKIM d= domain (default: ASSISTANT_EMAIL_FROM's)"
    )
    inbound_secret: SecretStr | None = _env(
        "ASSISTANT_INBOUND_EMAIL_SECRET",
        description="shared secret of POST /webhooks/email/inbound (header or basic auth)",
    )
    imap_url: SecretStr | None = _env(
        "ASSISTANT_IMAP_URL",
        description="mailbox polled for customer replies: imaps://user:password@host:993/INBOX",
    )

    @property
    def enabled(self) -> bool:
        """Whether email goes out over SMTP (else it waits in the outbox)."""
        return self.smtp_url is not None and bool(self.smtp_url.get_secret_value().strip())

    @property
    def dkim_configured(self) -> bool:
        """Whether we sign outgoing mail ourselves (a key and a selector are set)."""
        key = self.dkim_private_key.get_secret_value() if self.dkim_private_key else ""
        return bool(key.strip() and (self.dkim_selector or "").strip())


class WebhookSettings(BaseSettings):
    """The outbound webhook channel: push / in-app messages POSTed, signed, to the brand."""

    model_config = _ENV

    url: str | None = _env(
        "ASSISTANT_WEBHOOK_URL", description="where webhook-channel messages are POSTed (HTTPS)"
    )
    secret: SecretStr | None = _env(
        "ASSISTANT_WEBHOOK_SECRET", description="HMAC-SHA256 key of X-Assistant-Signature"
    )
    timeout: float = _env(
        "ASSISTANT_WEBHOOK_TIMEOUT", 10.0, gt=0, description="seconds to wait for the receiver"
    )

    @property
    def configured(self) -> bool:
        """Whether the channel has both a URL and a secret."""
        return self.problem() is None

    def problem(self) -> str | None:
        """What is missing for the webhook channel to send, as one line (None: nothing)."""
        missing = [
            name
            for name, value in (
                ("ASSISTANT_WEBHOOK_URL", self.url),
                ("ASSISTANT_WEBHOOK_SECRET", self.secret.get_secret_value() if self.secret else ""),
            )
            if not (value or "").strip()
        ]
        if not missing:
            return None
        return f"the webhook channel needs {' and '.join(missing)} (see docs/delivery.md)"


class WorkerSettings(BaseSettings):
    """Background work: Celery on a broker, or in-process when no broker is set."""

    model_config = _ENV

    broker_url: str | None = _env("ASSISTANT_BROKER_URL")
    tick_seconds: float = _env(
        "ASSISTANT_WORKER_TICK_SECONDS", 30.0, gt=0, description="how often the sender tick runs"
    )
    queue: str = _env("ASSISTANT_WORKER_QUEUE", "assistant", min_length=1)
    metrics_port: int | None = _env(
        "ASSISTANT_WORKER_METRICS_PORT", ge=1, le=65535, description="worker /metrics port"
    )
    triggers_daily: bool = _env(
        "ASSISTANT_TRIGGERS_DAILY", True, description="the tick runs every trigger once a day"
    )
    triggers_hour: int = _env(
        "ASSISTANT_TRIGGERS_HOUR",
        6,
        ge=0,
        le=23,
        description="brand-local hour from which the daily trigger run happens",
    )


class DeliverySettings(BaseSettings):
    """When and how approved messages go out (assistant.delivery)."""

    model_config = _ENV

    quiet_hours_start: time = _env(
        "ASSISTANT_QUIET_HOURS_START", time(20, 0), description="no sends from (customer-local)"
    )
    quiet_hours_end: time = _env(
        "ASSISTANT_QUIET_HOURS_END", time(9, 0), description="sends resume at (customer-local)"
    )
    skip_holidays: bool = _env(
        "ASSISTANT_SKIP_HOLIDAYS",
        False,
        description="no marketing on the customer's national public holidays (any channel)",
    )
    sms_legal_windows: bool = _env(
        "ASSISTANT_SMS_LEGAL_WINDOWS",
        True,
        description="marketing SMS also keep the country's and US state's legal hours",
    )
    frequency_cap: int = _env("ASSISTANT_FREQUENCY_CAP", 1, ge=0)
    frequency_window_days: int = _env("ASSISTANT_FREQUENCY_WINDOW_DAYS", 7, ge=0)
    contact_max_per_day: int = _env("ASSISTANT_CONTACT_MAX_PER_DAY", 1, ge=0)
    contact_window_hours: int = _env("ASSISTANT_CONTACT_WINDOW_HOURS", 24, ge=0)
    outbox_dir: str = _env("ASSISTANT_OUTBOX_DIR", "outbox")
    sender_batch: int = _env("ASSISTANT_SENDER_BATCH", 100, ge=1)
    sender_lease_seconds: int = _env("ASSISTANT_SENDER_LEASE_SECONDS", 300, ge=1)
    sender_max_attempts: int = _env("ASSISTANT_SENDER_MAX_ATTEMPTS", 8, ge=1)
    sms_rate: float | None = _env(
        "ASSISTANT_SMS_RATE",
        None,
        ge=0,
        description="SMS segments per second the provider account allows (empty/0: no limit)",
    )

    send_time: Literal["on", "off"] = _env(
        "ASSISTANT_SEND_TIME",
        "on",
        description="schedule marketing messages at the customer's learned best hour",
    )
    send_time_min_events: int = _env(
        "ASSISTANT_SEND_TIME_MIN_EVENTS",
        3,
        ge=1,
        le=1000,
        description="replies/clicks/orders a customer needs before their own hour is used",
    )
    send_time_holdout_percent: int = _env(
        "ASSISTANT_SEND_TIME_HOLDOUT_PERCENT",
        20,
        ge=0,
        le=100,
        description="share of messages with a learned hour sent at the fallback instead",
    )

    require_ai_consent: bool = _env(
        "ASSISTANT_REQUIRE_AI_CONSENT",
        False,
        description="send an AI-drafted message only to a destination that consented to them",
    )

    @field_validator("sms_rate", mode="before")
    @classmethod
    def _blank_rate(cls, value: Any) -> Any:
        return None if value == "" else value


class ReviewSettings(BaseSettings):
    """Where staff review drafts, and which drafts always get a person's individual look."""

    model_config = _ENV

    channel: Literal["terminal", "slack"] = _env("ASSISTANT_REVIEW", "terminal")
    vip_clv: Decimal = _env(
        "ASSISTANT_REVIEW_VIP_CLV",
        Decimal(1000),
        ge=0,
        description="customers with clv_12m above this are never approved in bulk",
    )


class ShopifySettings(BaseSettings):
    """The Shopify store (connectors/shopify); set here, these win over `assistant shopify
    connect`'s stored connection."""

    model_config = _ENV

    shop_domain: str | None = _env(
        "SHOPIFY_SHOP_DOMAIN", description="the store's your-store.myshopify.com domain"
    )
    access_token: SecretStr | None = _env(
        "SHOPIFY_ACCESS_TOKEN", description="the custom app's Admin API access token (shpat_...)"
    )
    api_secret: SecretStr | None = _env(
        "SHOPIFY_API_SECRET", description="the app's API secret key: signs webhooks (HMAC)"
    )
    api_url: str | None = _env("SHOPIFY_API_URL", description="base URL override (tests)")
    api_version: str = _env("SHOPIFY_API_VERSION", "2026-10", pattern=r"^\d{4}-\d{2}$|^unstable$")
    bulk_threshold: int = _env(
        "SHOPIFY_BULK_THRESHOLD",
        10_000,
        ge=0,
        description="records of a kind above which sync uses a bulk operation (0: never)",
    )
    bulk_poll_seconds: float = _env(
        "SHOPIFY_BULK_POLL_SECONDS", 5.0, ge=0, description="wait between bulk status polls"
    )
    timeout_seconds: float = _env("SHOPIFY_TIMEOUT", 30.0, gt=0)


class Settings(BaseSettings):
    """All settings, grouped."""

    model_config = _ENV

    app: AppSettings = Field(default_factory=AppSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    twilio: TwilioSettings = Field(default_factory=TwilioSettings)
    email: EmailSettings = Field(default_factory=EmailSettings)
    webhook: WebhookSettings = Field(default_factory=WebhookSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    review: ReviewSettings = Field(default_factory=ReviewSettings)
    shopify: ShopifySettings = Field(default_factory=ShopifySettings)


GROUPS: tuple[type[BaseSettings], ...] = (
    AppSettings,
    DatabaseSettings,
    MetricsSettings,
    LLMSettings,
    SlackSettings,
    TwilioSettings,
    EmailSettings,
    WebhookSettings,
    WorkerSettings,
    DeliverySettings,
    ReviewSettings,
    ShopifySettings,
)


def environment_variable_names() -> list[str]:
    """Every environment variable a setting is read from, in declaration order."""
    names: list[str] = []
    for group in GROUPS:
        for field in group.model_fields.values():
            if isinstance(field.validation_alias, str):
                names.append(field.validation_alias)
    return names


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
