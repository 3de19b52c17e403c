"""The brand's own rules: banned phrases (words_to_avoid) and the emoji policy."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from assistant.drafting.guardrails.checks.base import Draft
from assistant.drafting.guardrails.findings import Finding, finding
from assistant.drafting.guardrails.text import excerpt, inside, is_emoji, phrase_pattern
from assistant.drafting.sms_segments import graphemes

_SPARINGLY = 1  # "sparingly": one emoji in a message is fine, more is not


@dataclass(frozen=True)
class _Phrases:
    """The brand's phrases to avoid, each with its pattern, and all of them in one pattern."""

    patterns: tuple[tuple[str, re.Pattern[str]], ...]
    any: re.Pattern[str] | None


@lru_cache(maxsize=32)
def _phrases(phrases: tuple[str, ...]) -> _Phrases:
    patterns = tuple((phrase, phrase_pattern(phrase)) for phrase in phrases if phrase.strip())
    # Every phrase pattern is case-insensitive with its own word-boundary guards, so the
    # alternation finds something exactly when one of them does.
    combined = "|".join(f"(?:{pattern.pattern})" for _, pattern in patterns)
    return _Phrases(patterns, re.compile(combined, re.IGNORECASE) if patterns else None)


def _banned(draft: Draft) -> Iterator[Finding]:
    phrases = _phrases(draft.policy.words_to_avoid)
    if phrases.any is None:
        return
    parts = [part for part in draft.parts if phrases.any.search(part.masked)]
    if not parts:
        return  # the common case: no phrase anywhere, one scan per part
    for phrase, pattern in phrases.patterns:
        for part in parts:
            match = next(
                (m for m in pattern.finditer(part.masked) if not inside(m.span(), part.fact_spans)),
                None,
            )
            if match is not None:
                yield finding(
                    "banned_phrase",
                    f'"{phrase}"{part.where} is on the brand\'s words to avoid',
                    excerpt(part.text, match.span()),
                )


def _emoji(draft: Draft) -> Iterator[Finding]:
    policy = draft.policy.emoji
    if policy == "allowed":
        return
    found = [
        c
        for part in draft.parts
        if not part.text.isascii()  # the common case, and graphemes() is not free
        for c in graphemes(part.text)
        if is_emoji(c)
    ]
    limit = 0 if policy == "never" else _SPARINGLY
    if len(found) > limit:
        rule = "no emoji" if policy == "never" else f"at most {_SPARINGLY} emoji"
        yield finding(
            "emoji_policy",
            f"{len(found)} emoji; the brand's emoji policy is {policy!r} ({rule})",
            "".join(dict.fromkeys(found)),
        )


def check(draft: Draft) -> Iterator[Finding]:
    """banned_phrase for each brand phrase to avoid; emoji_policy."""
    yield from _banned(draft)
    yield from _emoji(draft)
