"""Guardrails on every draft: findings with a stable code and a severity (block or warn).

`check_draft(channel=..., body=..., subject=..., facts=..., policy=...)` runs them all;
`blocking(findings)` says whether the draft may not be sent. The codes are listed in
`CODES` and documented in docs/guardrails.md.
"""

from assistant.drafting.guardrails.checks.sms import sms_report
from assistant.drafting.guardrails.findings import CODES, CodeInfo, Finding, Severity, blocking
from assistant.drafting.guardrails.known import KnownFacts
from assistant.drafting.guardrails.pipeline import check_draft
from assistant.drafting.guardrails.policy import DEFAULT_OPT_OUT_NOTICE, GuardrailPolicy

__all__ = [
    "CODES",
    "DEFAULT_OPT_OUT_NOTICE",
    "CodeInfo",
    "Finding",
    "GuardrailPolicy",
    "KnownFacts",
    "Severity",
    "blocking",
    "check_draft",
    "sms_report",
]
