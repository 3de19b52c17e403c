"""Invented offers: discount or offer wording in a draft whose facts have no offer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from assistant.drafting.guardrails.checks.base import Draft
from assistant.drafting.guardrails.findings import Finding, finding
from assistant.drafting.guardrails.text import excerpt, inside

# Wording that promises money off or something free. "Offer" alone is not here: "I'd love
# to offer you early access" is recognition, not a discount.
_OFFER_WORDING: Final = re.compile(
    r"(?i)\b\d+(?:\.\d+)?\s?%\s*off\b|(?:[$£€]\s?\d[\d,.]*|\b\d+\s?(?:dollars|euros|bucks))\s+off\b"
    r"|\b(?:percent|per\s+cent|half)\s+(?:off|price)\b"
    r"|\bdiscount(?:s|ed)?\b|\bcoupons?\b|\bpromo(?:tion(?:al)?|s)?(?:\s+codes?)?\b"
    r"|\bvouchers?\b|\bfree\s+(?:shipping|delivery|postage|gifts?|samples?|bags?|upgrades?|"
    r"trials?|returns|items?|refills?)\b|\bfor\s+free\b|\bfree\s+of\s+charge\b|\bcomplimentary\b"
    r"|\bon\s+sale\b|\bsale\b|\bclearance\b|\bbogo\b|\bbuy\s+one,?\s+get\s+one\b"
    r"|\b(?:special|exclusive|limited[\s-]time)\s+(?:offer|deal|price|pricing)s?\b"
    r"|\bsave\s+(?:[$£€]|\d)|\bstore\s+credit\b|\bgift\s+cards?\b|\bcash\s?back\b|\brebates?\b"
    r"|\b(?:double|bonus|reward|extra)\s+points\b"
)


def check(draft: Draft) -> Iterator[Finding]:
    """invented_offer when facts.offer is null or absent and the draft offers something."""
    if draft.offer:
        return
    for part in draft.parts:
        for match in _OFFER_WORDING.finditer(part.masked):
            if inside(match.span(), part.fact_spans):
                continue
            yield finding(
                "invented_offer",
                f'"{excerpt(part.text, match.span())}"{part.where} offers a discount or '
                "something free, but the facts have no offer: thank, do not discount",
                excerpt(part.text, match.span()),
            )
