"""The `openai` drafter: a LangChain chat model with structured output behind the Drafter port.

By default the model is `langchain_openai.ChatOpenAI` on the openai SDK, so any
OpenAI-compatible endpoint works through `OPENAI_BASE_URL` (OpenAI, Azure's v1 API, vLLM,
Ollama, llama.cpp server). `ASSISTANT_LLM_PROVIDER` picks another LangChain provider
(`anthropic`, `mistralai`, ...) by importing its `langchain_<provider>` package; that package
reads its own credentials from its usual environment variables.

The reply is parsed into `MessageDraft` with LangChain's structured output. On the wire, for
ChatOpenAI by default: `response_format: {"type": "json_schema", "json_schema": {"name":
"MessageDraft", "strict": true, "schema": ...}}` through the SDK's `chat.completions.parse`.
For ChatOpenAI with `method="json_schema"` we bind that `response_format` directly (what
`with_structured_output` binds, without its wrapper runnables: about a third more requests/s);
every other provider or method goes through `with_structured_output(..., include_raw=True)`
(`method="function_calling"` sends the schema as a forced tool). Either way the token usage
comes from the raw `AIMessage.usage_metadata`. SDK retries are off (the campaign runner
retries), and every provider failure becomes one of the `DrafterError` kinds. Nothing here
logs the API key, the prompt or the message.
"""

from __future__ import annotations

import asyncio
import email.utils
import importlib
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import openai
import pydantic
from langchain_core.exceptions import (
    ModelAPIError,
    ModelConnectionError,
    ModelError,
    ModelRateLimitError,
    ModelTimeoutError,
    OutputParserException,
)
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import Runnable
from langchain_openai.chat_models.base import BaseChatOpenAI
from pydantic import BaseModel, Field

from assistant.config import LLMSettings
from assistant.observability.metrics import LLM_REQUEST_SECONDS, LLM_TOKENS
from assistant.ports import (
    DrafterBadOutput,
    DrafterError,
    DrafterRateLimited,
    DrafterRefused,
    DrafterTimeout,
    DrafterUnavailable,
    DraftOutput,
    DraftRequest,
)

logger = logging.getLogger(__name__)

StructuredMethod = Literal["json_schema", "function_calling", "json_mode"]
# Sent as the key when a local OpenAI-compatible server needs none (the SDK insists on one).
PLACEHOLDER_API_KEY = "not-needed"

# LangChain provider name -> (module, chat model class), as `init_chat_model` names them.
PROVIDERS: Mapping[str, tuple[str, str]] = {
    "openai": ("langchain_openai", "ChatOpenAI"),
    "azure_openai": ("langchain_openai", "AzureChatOpenAI"),
    "anthropic": ("langchain_anthropic", "ChatAnthropic"),
    "google_genai": ("langchain_google_genai", "ChatGoogleGenerativeAI"),
    "google_vertexai": ("langchain_google_vertexai", "ChatVertexAI"),
    "bedrock_converse": ("langchain_aws", "ChatBedrockConverse"),
    "mistralai": ("langchain_mistralai", "ChatMistralAI"),
    "groq": ("langchain_groq", "ChatGroq"),
    "fireworks": ("langchain_fireworks", "ChatFireworks"),
    "together": ("langchain_together", "ChatTogether"),
    "cohere": ("langchain_cohere", "ChatCohere"),
    "ollama": ("langchain_ollama", "ChatOllama"),
    "deepseek": ("langchain_deepseek", "ChatDeepSeek"),
    "xai": ("langchain_xai", "ChatXAI"),
    "perplexity": ("langchain_perplexity", "ChatPerplexity"),
}


class ChatModelConfigError(ValueError):
    """The configured chat provider cannot be built (unknown, or its package is missing)."""


class MessageDraft(BaseModel):
    """The structured reply asked of the model."""

    body: str = Field(description="The message to send to the customer, ready to send as is.")
    subject: str | None = Field(description="The email subject line; null for an SMS.")
    facts_used: list[str] = Field(
        description="Dotted keys of the facts the message refers to, e.g. customer.first_name."
    )


def _provider_class(provider: str) -> type[BaseChatModel]:
    if provider not in PROVIDERS:
        known = ", ".join(sorted(PROVIDERS))
        raise ChatModelConfigError(
            f"ASSISTANT_LLM_PROVIDER={provider!r} is not a known LangChain provider; use one of: "
            f"{known}"
        )
    module_name, class_name = PROVIDERS[provider]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        package = module_name.replace("_", "-")
        raise ChatModelConfigError(
            f"ASSISTANT_LLM_PROVIDER={provider} needs the {package} package: pip install {package}"
        ) from exc
    model_class: type[BaseChatModel] = getattr(module, class_name)
    return model_class


def _accepted(model_class: type[BaseChatModel], options: dict[str, Any]) -> dict[str, Any]:
    """The options the provider's model declares (by field name or alias); others dropped."""
    names: set[str] = set()
    for name, info in model_class.model_fields.items():
        names.update(n for n in (name, info.alias) if isinstance(n, str))
    dropped = sorted(set(options) - names)
    if dropped:
        logger.debug("llm.options_ignored provider_class=%s options=%s", model_class, dropped)
    return {key: value for key, value in options.items() if key in names}


def build_chat_model(
    settings: LLMSettings, *, http_async_client: Any | None = None
) -> BaseChatModel:
    """The LangChain chat model the settings describe, with retries off."""
    provider = settings.chat_provider.strip().lower()
    options: dict[str, Any] = {
        "model": settings.model,
        "temperature": settings.temperature,
        "timeout": settings.timeout_seconds,
        "max_retries": 0,
    }
    if provider in ("openai", "azure_openai"):
        key = settings.api_key.get_secret_value() if settings.api_key else None
        if key is None and settings.base_url:
            key = PLACEHOLDER_API_KEY
        options["api_key"] = key
        if http_async_client is not None:
            options["http_async_client"] = http_async_client
    if provider == "openai":
        options["base_url"] = settings.base_url
    model_class = _provider_class(provider)
    return model_class(**_accepted(model_class, options))


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait from `retry-after-ms` or `Retry-After` (seconds or an HTTP date)."""
    if not headers:
        return None
    seconds: float | None = None
    if (millis := headers.get("retry-after-ms")) is not None:
        try:
            seconds = float(millis) / 1000
        except ValueError:
            seconds = None
    if seconds is None and (value := headers.get("retry-after")) is not None:
        try:
            seconds = float(value)
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                return None
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            seconds = (when - datetime.now(UTC)).total_seconds()
    if seconds is None or not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _response_of(exc: BaseException) -> Any:
    return getattr(exc, "response", None)


def _status_of(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    if not isinstance(status, int):
        status = getattr(_response_of(exc), "status_code", None)
    return status if isinstance(status, int) else None


def _error_code(exc: BaseException) -> str:
    """The provider's short error code or type (never its message, which may echo input)."""
    body = getattr(exc, "body", None)
    if isinstance(body, Mapping):
        error = body.get("error", body)
        if isinstance(error, Mapping):
            for key in ("code", "type"):
                if isinstance(error.get(key), str):
                    return str(error[key])[:60]
    return type(exc).__name__


def _rate_limited(exc: BaseException) -> DrafterRateLimited:
    headers = getattr(_response_of(exc), "headers", None)
    retry_after = parse_retry_after(headers if isinstance(headers, Mapping) else None)
    return DrafterRateLimited("provider rate limit (HTTP 429)", retry_after=retry_after)


def _from_status(exc: BaseException, status: int) -> DrafterError:
    detail = f"HTTP {status} {_error_code(exc)}"
    if status == 429:
        return _rate_limited(exc)
    if status == 408:
        return DrafterTimeout(f"provider timed out: {detail}")
    if status >= 500 or status in (409, 425):
        return DrafterUnavailable(f"provider unavailable: {detail}")
    return DrafterRefused(f"provider refused the request: {detail}")


def to_drafter_error(exc: BaseException) -> DrafterError | None:
    """The `DrafterError` kind for a provider failure, or None if it is not one (a bug)."""
    name = type(exc).__name__
    if isinstance(exc, DrafterError):
        return exc
    if isinstance(exc, openai.LengthFinishReasonError):
        return DrafterBadOutput("output truncated (finish_reason=length)")
    if isinstance(exc, openai.ContentFilterFinishReasonError):
        return DrafterRefused("provider content filter stopped the output")
    if isinstance(exc, ModelTimeoutError | openai.APITimeoutError | TimeoutError):
        return DrafterTimeout(f"provider timed out ({name})")
    if isinstance(exc, ModelRateLimitError | openai.RateLimitError):
        return _rate_limited(exc)
    if isinstance(exc, ModelConnectionError | openai.APIConnectionError):
        return DrafterUnavailable(f"provider unreachable ({name})")
    # Checked before the status: LangChain attaches the (200) HTTP response to parse errors.
    if isinstance(exc, pydantic.ValidationError | json.JSONDecodeError | OutputParserException):
        return DrafterBadOutput(f"unparseable output ({name})")
    if (status := _status_of(exc)) is not None and status >= 400:
        return _from_status(exc, status)
    if isinstance(exc, ModelAPIError):
        return DrafterUnavailable(f"provider error ({name})")
    if isinstance(exc, ModelError):
        return DrafterRefused(f"provider refused the request ({name})")
    # Other providers' SDK errors that predate LangChain's ModelError classes.
    if "RateLimit" in name:
        return _rate_limited(exc)
    if "Timeout" in name:
        return DrafterTimeout(f"provider timed out ({name})")
    if "Connection" in name or "Connect" in name:
        return DrafterUnavailable(f"provider unreachable ({name})")
    return None


class ChatModelDrafter:
    """Drafts through a LangChain chat model; safe to call concurrently."""

    def __init__(
        self,
        model: BaseChatModel,
        *,
        model_name: str,
        timeout_seconds: float,
        method: StructuredMethod = "json_schema",
        name: str = "openai",
        closers: Sequence[Callable[[], Awaitable[None]]] = (),
    ) -> None:
        self.name = name
        self.model_name = model_name
        # The SDK's timeout bounds each connect/read; this bounds a reply that trickles in.
        self._deadline = timeout_seconds * 2 + 1
        self._closers = list(closers)
        self._native: Runnable[Any, Any] | None = None
        self._structured: Runnable[Any, Any] | None = None
        if method == "json_schema" and isinstance(model, BaseChatOpenAI):
            # ChatOpenAI's own structured output, exactly what with_structured_output binds
            # (the SDK parses into AIMessage.additional_kwargs["parsed"]), minus the three
            # runnables include_raw wraps around it, which cost about a third of the throughput.
            self._native = model.bind(response_format=MessageDraft)
        else:
            self._structured = model.with_structured_output(
                MessageDraft, method=method, include_raw=True
            )

    @classmethod
    def from_settings(
        cls, settings: LLMSettings, *, method: StructuredMethod = "json_schema"
    ) -> ChatModelDrafter:
        """A drafter for the configured provider, with its own connection pool."""
        provider = settings.chat_provider.strip().lower()
        _provider_class(provider)  # fail on a bad provider before opening anything
        http_client = None
        if provider in ("openai", "azure_openai"):
            # Our own pool (not LangChain's process-wide default), so aclose() can close it.
            http_client = openai.DefaultAsyncHttpxClient(timeout=settings.timeout_seconds)
        model = build_chat_model(settings, http_async_client=http_client)
        closers = [http_client.aclose] if http_client is not None else []
        return cls(
            model,
            model_name=settings.model,
            timeout_seconds=settings.timeout_seconds,
            method=method,
            name=provider,
            closers=closers,
        )

    async def draft(self, request: DraftRequest) -> DraftOutput:
        """Write the message, or raise a `DrafterError`."""
        messages: list[BaseMessage] = [
            SystemMessage(content=request.system),
            HumanMessage(content=request.prompt),
        ]
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self._deadline):
                result = await self._invoke(messages)
        except Exception as exc:
            error = to_drafter_error(exc)
            reason = error.reason if error else "unexpected"
            LLM_REQUEST_SECONDS.labels(self.name, reason).observe(time.perf_counter() - started)
            logger.debug(
                "llm.draft_failed playbook=%s reason=%s error=%s",
                request.playbook,
                error.reason if error else "unexpected",
                type(exc).__name__,
            )
            if error is None:
                raise
            if error is exc:
                raise
            raise error from exc
        output = self._output(request, result)
        LLM_REQUEST_SECONDS.labels(self.name, "ok").observe(time.perf_counter() - started)
        LLM_TOKENS.labels(self.name, "input").inc(output.tokens_in)
        LLM_TOKENS.labels(self.name, "output").inc(output.tokens_out)
        logger.debug(
            "llm.drafted playbook=%s channel=%s model=%s tokens_in=%d tokens_out=%d ms=%.0f",
            request.playbook,
            request.channel,
            output.model,
            output.tokens_in,
            output.tokens_out,
            (time.perf_counter() - started) * 1000,
        )
        return output

    async def _invoke(self, messages: list[BaseMessage]) -> Mapping[str, Any]:
        """`{"raw": AIMessage, "parsed": MessageDraft | None, "parsing_error": ...}`."""
        if self._native is not None:
            raw = await self._native.ainvoke(messages)
            parsed = raw.additional_kwargs.get("parsed") if isinstance(raw, AIMessage) else None
            return {"raw": raw, "parsed": parsed, "parsing_error": None}
        assert self._structured is not None
        result: Mapping[str, Any] = await self._structured.ainvoke(messages)
        return result

    def _output(self, request: DraftRequest, result: Mapping[str, Any]) -> DraftOutput:
        raw = result.get("raw")
        parsed = result.get("parsed")
        problem = result.get("parsing_error")
        refused = isinstance(raw, AIMessage) and raw.additional_kwargs.get("refusal")
        if refused or type(problem).__name__ == "OpenAIRefusalError":
            raise DrafterRefused("the model refused to write this message")
        if isinstance(parsed, Mapping):
            try:
                parsed = MessageDraft.model_validate(parsed)
            except pydantic.ValidationError:
                parsed = None
        if not isinstance(parsed, MessageDraft):
            kind = type(problem).__name__ if problem is not None else "no structured output"
            raise DrafterBadOutput(f"unparseable output ({kind})")
        body = parsed.body.strip()
        if not body:
            raise DrafterBadOutput("empty message body")
        subject = (parsed.subject or "").strip() or None
        tokens_in = tokens_out = 0
        model_name = self.model_name
        if isinstance(raw, AIMessage):
            if raw.usage_metadata:
                tokens_in = raw.usage_metadata.get("input_tokens", 0)
                tokens_out = raw.usage_metadata.get("output_tokens", 0)
            reported = raw.response_metadata.get("model_name")
            if isinstance(reported, str) and reported:
                model_name = reported
        return DraftOutput(
            body=body,
            subject=subject if request.channel == "email" else None,
            facts_used=tuple(str(key) for key in parsed.facts_used),
            model=model_name,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
        )

    async def aclose(self) -> None:
        """Close the HTTP connection pool this drafter opened."""
        closers, self._closers = self._closers, []
        for close in closers:
            await close()
