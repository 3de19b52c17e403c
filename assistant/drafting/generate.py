"""One draft for one customer: render, call the drafter (rate-limited, retried), check it,
regenerate once with the findings when it is blocked.

A draft still blocked after the regeneration is kept as `needs_attention` with its findings;
nothing is dropped. A call that fails for good (retries exhausted, refusal, a template that
cannot render) is an `Outcome` with a `failure` reason instead of a draft.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.drafting.brand import Brand
from assistant.drafting.guardrails import Finding, GuardrailPolicy, blocking, check_draft
from assistant.drafting.prompts import PromptError, PromptTemplate, render_prompt
from assistant.drafting.ratelimit import RateLimiter
from assistant.drafting.retry import Backoff, with_retries
from assistant.models import DraftState
from assistant.ports import Drafter, DrafterError, DraftOutput, DraftRequest, TextChannel
from assistant.variants.assign import Arm, VariantPlan

logger = logging.getLogger(__name__)

# Output tokens assumed for a request before its real usage is known (rate limiting only).
EXPECTED_OUTPUT_TOKENS = 250
FEEDBACK_EXCERPT_CHARS = 60
# Distinct system prompts whose token count a run keeps (a playbook's system part varies
# with at most a product name, so a run has few).
SYSTEM_TOKEN_CACHE = 256


@dataclass
class Toolkit:
    """What every draft of one run shares."""

    drafter: Drafter
    template: PromptTemplate
    brand: Brand
    policy: GuardrailPolicy
    playbook: str
    channel: TextChannel  # how it is written (`written_as`), not where it goes
    backoff: Backoff
    limiter: RateLimiter | None = None
    count_tokens: Callable[[str], int] | None = None
    # Where the drafts go (stored on each draft): `channel`, or `webhook` written as an SMS.
    delivery_channel: str = ""
    rng: random.Random = field(default_factory=random.Random)
    retries: int = 0
    # Learned examples of this playbook and channel (assistant.learning), loaded once a run.
    examples: tuple[str, ...] = ()
    system_tokens: dict[str, int] = field(default_factory=dict)
    # The playbook's A/B variants (None: not tested): each draft's template and voice.
    variants: VariantPlan | None = None

    def arm(self, customer_id: int, name: str | None = None) -> tuple[str | None, Arm | None]:
        """(variant name, arm) for a draft: `name` kept when given (a regeneration), else
        the customer's assignment; the arm is None when the configuration lacks it."""
        if name is not None:
            return name, self.variants.named(name) if self.variants else None
        if self.variants is None:
            return None, None
        chosen = self.variants.pick(customer_id)
        return chosen.name, chosen

    def estimate_tokens(self, request: DraftRequest) -> int:
        """Tokens a request may use, for the rate limiter: prompt tokens plus the expected
        output. The system part is counted once per distinct text."""
        count = self.count_tokens or _quarter
        system = self.system_tokens.get(request.system)
        if system is None:
            if len(self.system_tokens) >= SYSTEM_TOKEN_CACHE:
                self.system_tokens.clear()
            system = self.system_tokens[request.system] = count(request.system)
        return system + count(request.prompt) + EXPECTED_OUTPUT_TOKENS


def _quarter(text: str) -> int:
    return len(text) // 4


@dataclass
class Outcome:
    """What drafting one customer produced: a draft (state set) or a failure reason."""

    customer_id: int
    facts: dict[str, Any]
    state: str | None = None
    body: str = ""
    subject: str | None = None
    findings: list[Finding] = field(default_factory=list)
    first_findings: list[Finding] = field(default_factory=list)
    prompt_version: str | None = None
    model: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    attempts: int = 0
    failure: str | None = None
    # The A/B variant it was written with (drafts.variant); None when not tested.
    test_variant: str | None = None

    @property
    def drafted(self) -> bool:
        return self.state is not None

    def findings_document(self) -> dict[str, Any]:
        """Draft.findings: the final findings, and the first attempt's when regenerated."""
        document: dict[str, Any] = {
            "blocked": blocking(self.findings),
            "items": [f.as_dict() for f in self.findings],
            "regenerated": self.attempts > 1,
        }
        if self.first_findings:
            document["first_attempt"] = [f.as_dict() for f in self.first_findings]
        return document


def feedback_lines(findings: Sequence[Finding]) -> list[str]:
    """The blocking findings as short instructions for the drafter's second attempt."""
    lines = []
    for item in findings:
        if item.severity != "block":
            continue
        text = f"{item.code}: {item.message}"
        if item.excerpt:
            text += f' ("{item.excerpt[:FEEDBACK_EXCERPT_CHARS]}")'
        lines.append(text)
    return lines


async def _call(kit: Toolkit, request: DraftRequest) -> DraftOutput:
    estimate = kit.estimate_tokens(request) if kit.limiter is not None else 0

    async def once() -> DraftOutput:
        if kit.limiter is not None:
            await kit.limiter.acquire(estimate)
        return await kit.drafter.draft(request)

    def on_retry(error: DrafterError, wait: float) -> None:
        kit.retries += 1
        if kit.limiter is not None and error.retry_after:
            kit.limiter.pause(error.retry_after)
        logger.debug("drafting.retry reason=%s wait=%.2f", error.reason, wait)

    output = await with_retries(once, kit.backoff, rng=kit.rng, on_retry=on_retry)
    if kit.limiter is not None:
        kit.limiter.settle(estimate, output.tokens_in + output.tokens_out)
    return output


async def _attempt(
    kit: Toolkit,
    outcome: Outcome,
    variant: int,
    feedback: Sequence[str],
    instruction: str | None,
    arm: Arm | None,
) -> list[Finding]:
    rendered = render_prompt(
        arm.template if arm else kit.template,
        facts=outcome.facts,
        brand=kit.brand,
        channel=kit.channel,
        feedback=feedback,
        instruction=instruction,
        voice=arm.instruction if arm else None,
        learned=kit.examples,
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
        test_variant=outcome.test_variant,
        voice=arm.instruction if arm else None,
        examples=kit.examples,
    )
    output = await _call(kit, request)
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


async def generate(
    kit: Toolkit,
    customer_id: int,
    facts: dict[str, Any],
    *,
    variant: int,
    instruction: str | None = None,
    test_variant: str | None = None,
) -> Outcome:
    """Draft for one customer; never raises for a drafter or template problem.

    `instruction` is a reviewer's request on regenerate ("warmer"), for the prompt and drafter.
    `test_variant` keeps the A/B variant a regenerated draft was written with; otherwise
    the customer's variant comes from `kit.variants`.
    """
    name, arm = kit.arm(customer_id, test_variant)
    outcome = Outcome(customer_id=customer_id, facts=facts, test_variant=name)
    try:
        findings = await _attempt(kit, outcome, variant, (), instruction, arm)
        if blocking(findings):
            outcome.first_findings = findings
            findings = await _attempt(
                kit, outcome, variant + 1, feedback_lines(findings), instruction, arm
            )
    except (DrafterError, PromptError) as error:
        reason = error.reason if isinstance(error, DrafterError) else "prompt_error"
        logger.warning(
            "drafting.draft_failed customer=%s reason=%s attempts=%s",
            customer_id,
            reason,
            outcome.attempts,
        )
        if not outcome.first_findings:
            outcome.failure = reason
            return outcome
        # The regeneration failed: keep the blocked first draft for a person to look at.
        findings = outcome.first_findings
    outcome.findings = findings
    outcome.state = (
        DraftState.NEEDS_ATTENTION.value if blocking(findings) else DraftState.PENDING_REVIEW.value
    )
    return outcome
