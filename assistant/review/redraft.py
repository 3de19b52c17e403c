"""Writing one draft again, with a reviewer's instruction, through the drafting pipeline.

Same steps as a campaign draft (assistant.drafting.generate): render the playbook's prompt,
call the drafter with retries, run the guardrails, and once more with the findings as
feedback when the text is blocked. The one difference is the reviewer's `instruction`, which
goes into the prompt and into `DraftRequest.instruction`. Nothing here touches the database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from assistant.config import Settings
from assistant.drafting.brand import Brand
from assistant.drafting.campaigns import make_toolkit, resolve_playbook
from assistant.drafting.generate import Outcome, Toolkit, feedback_lines
from assistant.drafting.guardrails import Finding, blocking, check_draft
from assistant.drafting.prompts import PromptError, render_prompt
from assistant.drafting.retry import with_retries
from assistant.models import DraftState
from assistant.ports import Drafter, DrafterError, DraftRequest

logger = logging.getLogger(__name__)
T = TypeVar("T")
INSTRUCTION_MAX = 200


@dataclass(frozen=True)
class RedraftJob:
    """What regenerating one draft needs, read from the draft when it was asked for."""

    draft_id: int
    version: int
    state: str
    customer_id: int
    playbook: str
    channel: str
    facts: dict[str, Any]
    body: str
    subject: str | None
    attempts: int
    catalog_names: tuple[str, ...] = ()


def clean_instruction(instruction: str | None) -> str | None:
    """One line, trimmed to INSTRUCTION_MAX characters; None when empty."""
    if instruction is None:
        return None
    text = " ".join(instruction.split())[:INSTRUCTION_MAX]
    return text or None


async def _attempt(
    kit: Toolkit,
    outcome: Outcome,
    *,
    variant: int,
    feedback: Sequence[str],
    instruction: str | None,
) -> list[Finding]:
    rendered = render_prompt(
        kit.template,
        facts=outcome.facts,
        brand=kit.brand,
        channel=kit.channel,
        feedback=feedback,
        instruction=instruction,
    )
    request = DraftRequest(
        playbook=kit.playbook,
        channel=kit.channel,
        prompt_version=rendered.version,
        system=rendered.system,
        prompt=rendered.user,
        facts=outcome.facts,
        feedback=tuple(feedback),
        instruction=instruction,
        variant=variant,
    )
    output = await with_retries(lambda: kit.drafter.draft(request), kit.backoff, rng=kit.rng)
    outcome.attempts += 1
    outcome.tokens_in += output.tokens_in
    outcome.tokens_out += output.tokens_out
    outcome.body = output.body
    outcome.subject = output.subject if kit.channel == "email" else None
    outcome.model = output.model or outcome.model
    outcome.prompt_version = rendered.version
    return check_draft(
        channel=kit.channel,
        body=output.body,
        subject=outcome.subject,
        facts=outcome.facts,
        policy=kit.policy,
    )


async def redraft(
    job: RedraftJob,
    instruction: str | None,
    *,
    drafter: Drafter,
    brand: Brand,
    settings: Settings,
) -> Outcome:
    """The new text for `job` (state set), or an Outcome with a `failure` reason."""
    outcome = Outcome(customer_id=job.customer_id, facts=dict(job.facts))
    # A new variant each time, so a plain "regenerate" also gives the reviewer new wording.
    variant = job.customer_id + job.attempts
    try:
        kit = make_toolkit(
            drafter,
            resolve_playbook(job.playbook),
            job.channel,
            brand=brand,
            settings=settings,
            rate_limit=False,
            catalog_names=job.catalog_names,
        )
        findings = await _attempt(
            kit, outcome, variant=variant, feedback=(), instruction=instruction
        )
        if blocking(findings):
            outcome.first_findings = findings
            findings = await _attempt(
                kit,
                outcome,
                variant=variant + 1,
                feedback=feedback_lines(findings),
                instruction=instruction,
            )
    except (DrafterError, PromptError, ValueError) as error:
        if isinstance(error, DrafterError):
            reason = error.reason
        else:  # ValueError: an unknown playbook or channel (CampaignError)
            reason = "prompt_error" if isinstance(error, PromptError) else "invalid_draft"
        logger.warning(
            "review.regeneration_failed draft=%s reason=%s attempts=%s",
            job.draft_id,
            reason,
            outcome.attempts,
        )
        if not outcome.first_findings:
            outcome.failure = reason
            return outcome
        findings = outcome.first_findings
    outcome.findings = findings
    outcome.state = (
        DraftState.NEEDS_ATTENTION.value if blocking(findings) else DraftState.PENDING_REVIEW.value
    )
    return outcome


def run_sync(work: Coroutine[Any, Any, T]) -> T:
    """Run `work` to completion from synchronous code, even under a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    # Called from a coroutine's thread (an async Slack handler): run on a fresh loop aside.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="review-redraft") as pool:
        return pool.submit(asyncio.run, work).result()


async def redraft_with(
    job: RedraftJob,
    instruction: str | None,
    *,
    drafter: Drafter | None = None,
    brand: Brand | None = None,
    settings: Settings | None = None,
) -> Outcome:
    """`redraft` with the configured brand and drafter unless given (a built one is closed)."""
    from assistant.config import get_settings
    from assistant.drafting.brand import PromptsConfigError, load_brand
    from assistant.wiring import DrafterConfigError, build_drafter

    settings = settings or get_settings()
    try:
        brand = brand or load_brand()
        active = drafter or build_drafter(settings, brand)
    except (PromptsConfigError, DrafterConfigError) as exc:
        logger.warning("review.regeneration_unconfigured draft=%s error=%s", job.draft_id, exc)
        return Outcome(customer_id=job.customer_id, facts=dict(job.facts), failure="config")
    try:
        return await redraft(job, instruction, drafter=active, brand=brand, settings=settings)
    finally:
        if drafter is None:
            await active.aclose()
