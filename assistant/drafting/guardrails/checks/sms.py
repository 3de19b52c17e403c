"""SMS: encoding and segments (`sms_segments.py`) and the first-SMS opt-out notice."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Final

from assistant.drafting.guardrails.checks.base import Draft
from assistant.drafting.guardrails.findings import Finding, finding
from assistant.drafting.guardrails.text import fold, phrase_pattern
from assistant.drafting.sms_segments import SmsEncodingInfo, analyse

# Characters that typing software slips in and that have a plain GSM-7 twin.
AVOIDABLE: Final[dict[str, str]] = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u2032": "'",
    "\u00b4": "'",
    "`": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2033": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u2026": "...",
    "\u00a0": " ",
    "\u2007": " ",
    "\u2009": " ",
    "\u200a": " ",
    "\u202f": " ",
}
_REPLACE: Final = str.maketrans(AVOIDABLE)

# "Reply STOP to opt out" and its usual equivalents ("Text STOP to unsubscribe").
_OPT_OUT: Final = re.compile(
    r"(?i)\b(?:(?:reply|text|txt|send|respond|msg|message)\s+(?:with\s+)?)?[\"']?stop[\"']?\s+"
    r"(?:to|2)\s+(?:opt[\s-]?out|unsubscribe|stop|end|cancel|quit|leave)\b"
    r"|\bopt[\s-]?out\b[^.!?\n]{0,20}\bstop\b"
)


def sms_report(body: str) -> dict[str, str | int]:
    """{"encoding", "segments", "characters"}: what `assistant sms segments` prints."""
    info = analyse(body)
    return {"encoding": info.encoding, "segments": info.segments, "characters": info.characters}


def _describe(char: str) -> str:
    names = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, 'unnamed').lower()}" for c in char)
    return f"{char!r} ({names})"


def _saving(gsm7: int, ucs2: int) -> str:
    if gsm7 < ucs2:
        return f": {gsm7} segment(s) instead of {ucs2}"
    return f", still {gsm7} segment(s) but with room for more"


def _encoding(body: str, info: SmsEncodingInfo) -> Iterator[Finding]:
    if info.encoding != "UCS-2":
        return
    avoidable = [c for c in info.non_gsm_characters if c in AVOIDABLE]
    if not avoidable:
        return
    fixed = analyse(body.translate(_REPLACE))
    if fixed.encoding != "GSM-7":
        return  # other characters (emoji, accents) need UCS-2 anyway
    swaps = "; ".join(f"{_describe(c)} -> {AVOIDABLE[c]!r}" for c in avoidable)
    yield finding(
        "sms_ucs2_avoidable",
        f"the SMS is UCS-2 (70 characters a segment instead of 160) only because of {swaps}; "
        f"with plain characters it is GSM-7{_saving(fixed.segments, info.segments)}",
        "".join(avoidable),
    )


def _segments(info: SmsEncodingInfo, draft: Draft) -> Iterator[Finding]:
    policy = draft.policy
    size = f"{info.segments} segments ({info.encoding}, {info.characters} characters)"
    if info.segments > policy.sms_max_segments:
        yield finding(
            "sms_too_long",
            f"the SMS is {size}; the most allowed is {policy.sms_max_segments}",
        )
    elif info.segments > policy.sms_warn_segments:
        yield finding(
            "sms_segments",
            f"the SMS is {size}; aim for at most {policy.sms_warn_segments}",
        )


def has_opt_out(text: str, notice: str) -> bool:
    """Whether `text` carries the brand's opt-out `notice` or an equivalent wording."""
    folded = fold(text)
    return bool(
        _OPT_OUT.search(folded) or (notice.strip() and phrase_pattern(notice).search(folded))
    )


def check(draft: Draft) -> Iterator[Finding]:
    """Encoding, segment count and the opt-out notice on a customer's first SMS."""
    if draft.channel != "sms":
        return
    body = draft.body.text
    info = analyse(body)
    yield from _encoding(body, info)
    yield from _segments(info, draft)
    if draft.first_sms and not has_opt_out(body, draft.policy.sms_opt_out_notice):
        yield finding(
            "sms_opt_out_missing",
            "this is the customer's first SMS, so it must say how to opt out: add "
            f'"{draft.policy.sms_opt_out_notice}"',
        )
