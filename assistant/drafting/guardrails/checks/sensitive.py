"""Sensitive or intrusive content: health, money troubles, pregnancy, location, surveillance, guilt.

Patterns are phrases, not single loose words, so that good retail messages pass: "coffee",
"cast iron", "we hope you're enjoying it", "the lid broke", "order tracking number".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from assistant.drafting.guardrails.checks.base import Draft
from assistant.drafting.guardrails.findings import Finding, finding
from assistant.drafting.guardrails.text import excerpt, inside

_WE: Final = r"(?:we|i)(?:'ve|\s+have|'d|\s+had)?"

RULES: Final[tuple[tuple[str, str, re.Pattern[str]], ...]] = (
    (
        "sensitive_health",
        "health or medical matters are private; leave them out",
        re.compile(
            r"(?i)\b(?:diagnos\w+|illness(?:es)?|diseases?|medical|medications?|medicines?|"
            r"prescriptions?|symptoms?|therapy|therapist|surgery|hospital\w*|cancer|chemo\w*|"
            r"diabet\w+|depression|anxiety|mental\s+health|weight\s+loss|los(?:e|ing)\s+weight|"
            r"your\s+health|health\s+(?:conditions?|issues?|problems?|concerns?)|doctors?|"
            r"disabilit(?:y|ies)|injur(?:y|ies|ed)|chronic|insomnia|"
            r"allerg(?:y|ies|ic)|blood\s+pressure|cholesterol|heart\s+condition|"
            r"recovering\s+from|get\s+well\s+soon|your\s+(?:\w+\s+)?pain|arthritis|migraines?|"
            r"headaches)\b"
        ),
    ),
    (
        "sensitive_finances",
        "the customer's finances are private; never mention debt, credit or affordability",
        re.compile(
            r"(?i)\b(?:debts?|indebted|credit\s+(?:scores?|rating|report|history|limit)|"
            r"loans?|bankrupt\w*|foreclos\w+|your\s+finances|financial\s+(?:situation|"
            r"troubles?|difficult(?:y|ies)|hardship|stress|problems?|worries)|"
            r"(?:can't|cannot|couldn't|could\s+not)\s+afford|struggling\s+(?:financially|with\s+"
            r"money|to\s+pay)|your\s+(?:income|salary|paycheck|pay\s?check|wages|bank\s+"
            r"(?:account|balance)|net\s+worth|credit\s+card)|overdraft|payday|unemploy\w*|"
            r"laid\s+off|lost\s+your\s+job|money\s+troubles?|behind\s+on\s+(?:payments|bills|"
            r"rent)|tight\s+(?:budget|on\s+money)|your\s+(?:total\s+)?spend(?:ing)?)\b"
            r"|\byou(?:'ve|\s+have)?\s+spent\s+(?:over\s+|more\s+than\s+|nearly\s+|almost\s+)?"
            r"(?:[$£€]|(?:usd|eur|gbp)\b|\d[\d,.]*\s*(?:dollars|euros|pounds|bucks|usd|eur|gbp)\b)"
        ),
    ),
    (
        "sensitive_pregnancy",
        "pregnancy and family plans are private; leave them out",
        re.compile(
            r"(?i)\b(?:pregnan\w*|expecting\s+(?:a\s+(?:baby|little\s+one|child)|twins)|"
            r"(?:baby|little\s+one)\s+on\s+the\s+way|due\s+date|maternity|newborn|"
            r"baby\s+shower|fertility|conceiv\w+|(?:mom|mum|mother|parents?)[\s-]to[\s-]be|"
            r"new\s+baby|baby\s+bump|congrat\w*\s+on\s+(?:the|your)\s+(?:little\s+one|baby|"
            r"bump|new\s+addition))\b"
        ),
    ),
    (
        "intrusive_location",
        "where the customer lives or was seen is intrusive; leave location out",
        re.compile(
            r"(?i)\b(?:near\s+you|nearby\s+you|close\s+to\s+(?:you|your\s+home)|local\s+to\s+you|"
            r"in\s+your\s+(?:area|neighbou?rhood|city|town|street|building|zip\s?code)|"
            r"your\s+(?:neighbou?rhood|location|whereabouts|home\s+address|zip\s?code|postcode|"
            r"gps)|where\s+you\s+live|around\s+the\s+corner\s+from\s+you|"
            r"your\s+(?:new\s+)?(?:apartment|flat)|your\s+new\s+(?:home|house|place)|"
            r"(?:moved|moving)\s+(?:house|home|in)|"
            r"(?:saw|seen|spotted)\s+you\s+(?:at|in|near|outside|around|walking|by))\b"
        ),
    ),
    (
        "intrusive_surveillance",
        "this sounds like we watch the customer; say what you want to say without it",
        re.compile(
            rf"(?i)\b(?:{_WE}\s+noticed|{_WE}\s+(?:been\s+)?(?:watching|monitoring|observing|"
            r"keeping\s+(?:an\s+eye|tabs)\s+on\s+you)|we(?:'re|\s+are)\s+watching|"
            rf"{_WE}\s+(?:saw|seen|can\s+see|could\s+see)\s+(?:that\s+)?you\b|"
            r"(?:saw|seen|noticed)\s+(?:that\s+)?you(?:'ve|\s+have)?\s+(?:browsing|looking|"
            r"viewing|checking|eyeing|bought|purchased|ordered|visited|browsed|shopped|searched)|"
            r"you(?:'ve|\s+have|\s+were)\s+(?:been\s+)?(?:browsing|eyeing|viewing)|"
            r"(?:browsing|search)\s+history|our\s+(?:records|data|system)\s+(?:shows?|indicates?|"
            r"tells?\s+us)|"
            rf"{_WE}\s+(?:been\s+)?tracking|track(?:ing|ed)?\s+(?:you|your\s+(?:activity|"
            r"browsing|behaviou?r|visits|habits|location|movements|clicks))\b|"
            r"(?<!order\s)(?<!package\s)(?<!parcel\s)(?<!shipment\s)(?<!delivery\s)"
            r"\btracking\b(?!\s+(?:number|link|info|information|details|page|code|updates?|id)\b)|"
            r"you\s+(?:opened|clicked|read)\s+(?:our|my|the)\s+(?:email|message|link|text))"
        ),
    ),
    (
        "guilt",
        "guilt or pressure puts customers off; keep it warm and easy",
        re.compile(
            r"(?i)\b(?:you\s+abandoned|abandoned\s+(?:your\s+|the\s+)?(?:cart|basket|bag|order)|"
            r"left\s+(?:\w+\s+){0,2}in\s+your\s+(?:cart|basket)|"
            r"we\s+miss\s+your\s+(?:money|business|orders?|wallet|spending)|"
            r"you(?:'ve|\s+have)?\s+forg[eo]t(?:ten)?\s+(?:about\s+)?us|"
            r"you(?:'ve|\s+have)?\s+(?:left|ditched|ignored|neglected|abandoned)\s+us|"
            r"you\s+haven't\s+(?:ordered|bought|shopped|purchased|been\s+back|visited|come\s+back)|"
            r"why\s+(?:did|have)\s+you\s+(?:leave|left|stop\w*|gone)|don't\s+you\s+(?:care|love\s+us)|"
            r"we(?:'re|\s+are|\s+were|\s+feel)\s+(?:so\s+)?(?:hurt|heartbroken)|"
            r"disappointed\s+in\s+you|after\s+(?:all|everything)\s+we(?:'ve|\s+have)\s+done|"
            r"you(?:'re|\s+are)\s+missing\s+out|last\s+chance|before\s+it's\s+too\s+late|"
            r"it's\s+been\s+(?:too|so)\s+long\s+since\s+you|you\s+never\s+(?:came\s+back|"
            r"returned|ordered))"
        ),
    ),
)


def check(draft: Draft) -> Iterator[Finding]:
    """One finding per rule and part: the first match, unless it is a fact quoted verbatim."""
    for code, advice, pattern in RULES:
        for part in draft.parts:
            match = next(
                (m for m in pattern.finditer(part.masked) if not inside(m.span(), part.fact_spans)),
                None,
            )
            if match is not None:
                cut = excerpt(part.text, match.span())
                yield finding(code, f'"{cut}"{part.where}: {advice}', cut)
