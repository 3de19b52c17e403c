"""Writing one draft again, with a reviewer's instruction, through the drafting pipeline.

The very path of a campaign draft (assistant.drafting.generate), with the reviewer's
`instruction` passed through to the prompt and the drafter. Nothing here touches the database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from assistant.config import Settings, get_settings
from assistant.drafting.brand import Brand, PromptsConfigError, load_brand
from assistant.drafting.campaigns import make_toolkit, resolve_playbook
from assistant.drafting.factory import DrafterConfigError, DrafterFactory
from assistant.drafting.generate import Outcome, generate
from assistant.drafting.prompts import PromptError
from assistant.ports import Drafter

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
    # The A/B variant the draft was written with: a regeneration keeps it.
    variant: str | None = None
    # Marked by `request_regeneration` and unchanged since: the regeneration is still to do.
    requested: bool = False
    # The learned examples of the draft's playbook and channel (assistant.learning).
    examples: tuple[str, ...] = ()


def clean_instruction(instruction: str | None) -> str | None:
    """One line, trimmed to INSTRUCTION_MAX characters; None when empty."""
    if instruction is None:
        return None
    text = " ".join(instruction.split())[:INSTRUCTION_MAX]
    return text or None


async def redraft(
    job: RedraftJob,
    instruction: str | None,
    *,
    drafter: Drafter,
    brand: Brand,
    settings: Settings,
) -> Outcome:
    """The new text for `job` (state set), or an Outcome with a `failure` reason."""
    try:
        kit = make_toolkit(
            drafter,
            resolve_playbook(job.playbook),
            job.channel,
            brand=brand,
            settings=settings,
            rate_limit=False,
            catalog_names=job.catalog_names,
            examples=job.examples,
        )
    except ValueError as error:  # an unknown playbook or channel (CampaignError), a bad prompt
        reason = "prompt_error" if isinstance(error, PromptError) else "invalid_draft"
        logger.warning("review.regeneration_failed draft=%s reason=%s", job.draft_id, reason)
        return Outcome(customer_id=job.customer_id, facts=dict(job.facts), failure=reason)
    if job.variant is None:
        kit.variants = None  # written outside any A/B test: regenerated outside it too
    # A new variant each time, so a plain "regenerate" also gives the reviewer new wording.
    return await generate(
        kit,
        job.customer_id,
        dict(job.facts),
        variant=job.customer_id + job.attempts,
        instruction=instruction,
        test_variant=job.variant,
    )


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
    build_drafter: DrafterFactory,
    brand: Brand | None = None,
    settings: Settings | None = None,
) -> Outcome:
    """`redraft` with a drafter from `build_drafter` (closed afterwards) and the configured
    brand and settings unless given; a `config` failure when either cannot be built."""
    settings = settings or get_settings()
    try:
        brand = brand or load_brand()
        drafter = build_drafter(settings, brand)
    except (PromptsConfigError, DrafterConfigError) as exc:
        logger.warning("review.regeneration_unconfigured draft=%s error=%s", job.draft_id, exc)
        return Outcome(customer_id=job.customer_id, facts=dict(job.facts), failure="config")
    try:
        return await redraft(job, instruction, drafter=drafter, brand=brand, settings=settings)
    finally:
        await drafter.aclose()
