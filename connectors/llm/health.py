"""`assistant doctor`'s check of the model endpoint: one tiny chat completion."""

from __future__ import annotations

from assistant.config import Settings
from assistant.doctor.schemas import Check, first_line
from connectors.llm.openai_chat import PLACEHOLDER_API_KEY


def check_llm(settings: Settings) -> Check:
    """Ask the OpenAI-compatible endpoint for one token with the configured model."""
    import openai

    llm = settings.llm
    name = "llm"
    if llm.chat_provider.strip().lower() != "openai":
        return Check.skipped(name, f"provider {llm.chat_provider}: not checked")
    key = llm.api_key.get_secret_value() if llm.api_key else PLACEHOLDER_API_KEY
    client = openai.OpenAI(
        api_key=key, base_url=llm.base_url, timeout=min(llm.timeout_seconds, 15), max_retries=0
    )
    try:
        client.chat.completions.create(
            model=llm.model, messages=[{"role": "user", "content": "ping"}], max_tokens=1
        )
    except openai.AuthenticationError as exc:
        return Check.problem(name, first_line(exc), "check OPENAI_API_KEY")
    except openai.NotFoundError as exc:
        return Check.problem(name, first_line(exc), "check ASSISTANT_LLM_MODEL and OPENAI_BASE_URL")
    except openai.OpenAIError as exc:
        return Check.problem(
            name, first_line(exc), "check OPENAI_BASE_URL and that the server is running"
        )
    finally:
        client.close()
    return Check.ok(name, f"model {llm.model} answered at {llm.base_url or 'api.openai.com'}")
