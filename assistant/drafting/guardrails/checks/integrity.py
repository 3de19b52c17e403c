"""Broken output: empty, truncated, unbalanced, garbled, template markers, JSON, model chatter."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Final

from assistant.drafting.guardrails.checks.base import Draft, Part
from assistant.drafting.guardrails.findings import Finding, finding
from assistant.drafting.guardrails.text import excerpt, is_emoji, phrase_pattern
from assistant.drafting.sms_segments import graphemes

_ENDS_WELL: Final = frozenset(".!?)]\"'")
_EMOTICON_END: Final = re.compile(r"(?:(?<![\w$])[:;=]-?[)(DPp3]|<3)$")
_DASH_SIGNATURE_END: Final = re.compile(r"(?:^|\s)[-~]+\s*[A-Z][\w'&.]*(?:\s+[\w'&.]+){0,5}$")
# Endings that close a message without punctuation: a link, kisses ("Sam x").
_OTHER_CLOSING_END: Final = re.compile(r"(?i)(?:https?://|www\.)\S+$|\s(?:x+|xo+|xoxo)$")
_OPT_OUT_END: Final = re.compile(
    r"(?i)\bstop\b[\"']?\s+(?:to|2)\s+(?:opt[\s-]?out|unsubscribe|stop|end|cancel|quit|leave)$"
)
_SIGNATURE_WORDS: Final = 8
# A valediction ("Warmly,", "Best wishes") and then a signature of one to three short lines
# whose words are names or connectors: "Warmly,\nMaya at Acme Home", "Thanks, Sam & the team".
_VALEDICTION: Final = (
    r"(?:warm(?:ly|est)?(?:\s+(?:wishes|regards))?|best(?:\s+(?:wishes|regards))?|all\s+the\s+best|"
    r"kind(?:est)?\s+regards|(?:many\s+)?thanks(?:\s+(?:again|so\s+much))?|thank\s+you|cheers|love|"
    r"sincerely|yours(?:\s+(?:truly|sincerely))?|with\s+(?:love|thanks|gratitude|care)|"
    r"take\s+care|talk\s+soon|speak\s+soon|see\s+you\s+soon|happy\s+\w+ing|regards|"
    r"until\s+next\s+time)"
)
_SIG_WORD: Final = r"(?:[A-Z][\w'&.@()-]*|&|@|-|at|from|of|the|and|team|x+|xo+)"
_SIG_LINE: Final = rf"[A-Z][\w'&.@()-]*(?:[ \t]+{_SIG_WORD}){{0,{_SIGNATURE_WORDS - 1}}}"
_SIGN_OFF_END: Final = re.compile(
    rf"(?i:(?:^|[.!?)]\s+|\n\s*){_VALEDICTION})(?:[ \t]*[,!.-]?[ \t]*\n\s*|[ \t]*[,!-][ \t]*)"
    rf"{_SIG_LINE}(?:[ \t]*\n\s*{_SIG_LINE}){{0,2}}[.!]?$"
)
_VISIBLE_CONTROLS: Final = frozenset("\n\r\t")

_TEMPLATE: Final = re.compile(
    r"\{\{|\}\}|\{%|%\}|\{#|#\}|\*\|[A-Z0-9_]+\|\*|%%[A-Za-z_]+%%|%[A-Z][A-Z_]{2,}%|\$\{[^}\n]{0,80}\}"
    r"|\{[a-z_]+(?:\.[a-z_]+)*\}|<(?:first_?name|name|product|customer)>"
    r"|\[(?:first[ _]?name|last[ _]?name|name|customer(?:[ _]name)?|product(?:[ _]name)?|"
    r"upgrade|improvement|your[ _]name|sender(?:[ _]name)?|brand(?:[ _]name)?|date|price|"
    r"number|years|link|url|code|insert[^\]]*|placeholder[^\]]*)\]|\blorem\s+ipsum\b",
    re.IGNORECASE,
)
_TODO: Final = re.compile(r"\b(?:TODO|TBD|FIXME)\b")
_JSON: Final = re.compile(
    r"[{\[]\s*\"(?:body|subject|text|message|facts_used|content|sms|email|draft)\"\s*:"
    r"|\"(?:body|subject|facts_used)\"\s*:\s*[\"\[]|```|\\[nt\"]|\\u[0-9a-fA-F]{4}"
)
_LLM_META: Final = re.compile(
    r"(?i)\bas\s+an?\s+(?:ai|language\s+model|ai\s+assistant)\b"
    r"|\bi(?:'m|\s+am)\s+(?:just\s+)?(?:an?\s+)?(?:ai|language\s+model|chatbot)\b"
    r"|\bhere(?:'s|\s+is)\s+(?:a|an|the|your|my)\s+(?:\w+\s+)?(?:draft|sms|email|version|"
    r"rewrite|rewritten\s+message)\b"
    r"|\bi\s+(?:can't|cannot|am\s+unable\s+to)\s+(?:help|assist|comply|fulfil+)\b"
    r"|^\s*(?:subject|body|sms|email|message)\s*:",
    re.MULTILINE,
)


def _closing_names(draft: Draft) -> tuple[str, ...]:
    """The sender and brand of the policy and of the facts (`brand.name`, `brand.sender`)."""
    names = [draft.policy.sender_name, draft.policy.brand_name]
    brand = draft.facts.get("brand")
    if isinstance(brand, Mapping):
        names += [v for k, v in brand.items() if k in ("name", "sender") and isinstance(v, str)]
    return tuple(dict.fromkeys(n.strip() for n in names if n.strip()))


def _ends_with_closing(text: str, draft: Draft) -> bool:
    """Whether `text` ends with a sign-off, the sender, the brand or the opt-out notice."""
    policy = draft.policy
    endings = (_OPT_OUT_END, _DASH_SIGNATURE_END, _OTHER_CLOSING_END, _SIGN_OFF_END)
    if any(p.search(text) for p in endings):
        return True
    notice = policy.sms_opt_out_notice.rstrip(". ")
    if notice and any(m.end() == len(text) for m in phrase_pattern(notice).finditer(text)):
        return True
    last_line = text.rsplit("\n", 1)[-1]
    for name in _closing_names(draft):
        if name and _name_at_end(name).search(text):
            return True
        if name and len(last_line.split()) <= _SIGNATURE_WORDS and name in last_line:
            return True  # "The Ember & Oak team" on a line of its own
    return False


@lru_cache(maxsize=64)
def _name_at_end(name: str) -> re.Pattern[str]:
    """The sender's or brand's name closing a text (cached: the policy's, every draft)."""
    return re.compile(re.escape(name) + r"\W{0,2}$")


def _truncated(part: Part, draft: Draft) -> Iterator[Finding]:
    text = part.folded.rstrip()
    tail = excerpt(part.text, (max(len(text) - 40, 0), len(text)))
    if text.endswith("..") or part.text.rstrip().endswith("\u2026"):
        yield finding("truncated", "ends with an ellipsis, as if cut off", tail)
        return
    last = graphemes(text[-24:])[-1]  # the last character; a short tail is enough
    if (
        text[-1] in _ENDS_WELL
        or is_emoji(last)
        or unicodedata.category(last[0]) == "So"
        or _EMOTICON_END.search(text)
        or _ends_with_closing(text, draft)
    ):
        return
    yield finding("truncated", "ends mid-sentence, as if cut off", tail)


def _unbalanced(part: Part) -> Iterator[Finding]:
    # Smileys and list markers "1)" close nothing.
    text = re.sub(
        r"(?<![\w$])[:;=]-?[()]|^\s*(?:\d+|[a-z])\)", " ", part.folded, flags=re.MULTILINE
    )
    for opening, closing in (("(", ")"), ("[", "]")):
        if text.count(opening) != text.count(closing):
            yield finding(
                "unbalanced",
                f"{text.count(opening)} {opening!r} but {text.count(closing)} "
                f"{closing!r}{part.where}: something is cut or garbled",
            )
    if text.count('"') % 2:
        yield finding("unbalanced", f"an odd number of double quotes{part.where}")


def _byte(char: str) -> int | None:
    try:
        return char.encode("cp1252")[0]
    except UnicodeEncodeError:
        return ord(char) if ord(char) < 256 else None


def _mojibake(text: str) -> str | None:
    """The first run of UTF-8 bytes shown as cp1252/Latin-1 ("\u00e2\u20ac\u2122" for '), if any."""
    if text.isascii():
        return None
    for i, char in enumerate(text):
        if char.isascii():
            continue
        lead = _byte(char)
        if lead is None or not 0xC2 <= lead <= 0xF4:
            continue
        size = 1 if lead < 0xE0 else 2 if lead < 0xF0 else 3
        tail = [_byte(c) for c in text[i + 1 : i + 1 + size]]
        if len(tail) == size and all(b is not None and 0x80 <= b <= 0xBF for b in tail):
            try:
                bytes([lead, *(b for b in tail if b is not None)]).decode("utf-8")
            except UnicodeDecodeError:
                continue
            return text[i : i + 1 + size]
    return None


def _garbled(part: Part) -> Iterator[Finding]:
    text = part.text
    if "\ufffd" in text:
        yield finding(
            "garbled_replacement",
            f"{text.count(chr(0xFFFD))} replacement character(s) U+FFFD{part.where}: text "
            "was lost in decoding",
            "\ufffd",
        )
    controls = [
        c
        for c in dict.fromkeys(text)
        if c not in _VISIBLE_CONTROLS
        and (unicodedata.category(c) in ("Cc", "Zl", "Zp") or _invisible_format(c))
    ]
    if controls:
        named = ", ".join(f"U+{ord(c):04X}" for c in controls)
        yield finding(
            "garbled_control", f"control or invisible characters{part.where}: {named}", named
        )
    bad = _mojibake(text)
    if bad:
        yield finding(
            "garbled_mojibake",
            f'"{bad}"{part.where} is UTF-8 text decoded as cp1252 (mojibake)',
            bad,
        )


def _invisible_format(char: str) -> bool:
    # ZWJ and tag characters build emoji (family, England's flag); other format characters
    # (zero-width space, BOM, soft hyphen, direction marks) are invisible junk in a message.
    code = ord(char)
    return (
        unicodedata.category(char) == "Cf" and char != "\u200d" and not 0xE0020 <= code <= 0xE007F
    )


def _leftovers(part: Part) -> Iterator[Finding]:
    for code, pattern, what in (
        ("template_marker", _TEMPLATE, "a template marker or placeholder"),
        ("template_marker", _TODO, "a placeholder"),
        ("json_fragment", _JSON, "JSON or escaped text"),
        ("llm_meta", _LLM_META, "the model talking about the draft"),
    ):
        # The original too: folding turns a ``` fence into quotes.
        match = pattern.search(part.folded) or (
            pattern.search(part.text) if part.text != part.folded else None
        )
        if match:
            cut = excerpt(part.text, match.span(), context=8)
            yield finding(code, f'{what}{part.where}: "{cut}"', cut)


def check(draft: Draft) -> Iterator[Finding]:
    """empty; then truncation, balance, garbling and leftovers in the body and subject."""
    if not draft.body.text.strip():
        yield finding("empty", "the message has no text")
        return
    yield from _truncated(draft.body, draft)
    for part in draft.parts:
        if part.text.strip():
            if part.name == "body":
                yield from _unbalanced(part)
            yield from _garbled(part)
            yield from _leftovers(part)
