"""Putting the offline drafter's sentences together, and the shorter forms of a message.

A draft is a greeting and a list of sections, each with the wording chosen for it. SMS drafts
are tried in ever shorter forms until one fits: first without the optional sentences that
carry no fact, then with other wordings of the core, then without the rest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from assistant.drafting.sms_segments import analyse
from connectors.llm.offline_facts import Slots


class Chooser:
    """Deterministic picks: the same seed and salt always choose the same option."""

    def __init__(self, seed: str) -> None:
        self.seed = seed

    def index(self, count: int, salt: str) -> int:
        digest = hashlib.sha256(f"{self.seed}\x1f{salt}".encode()).digest()
        return int.from_bytes(digest[:8], "big") % count

    def pick(self, options: Sequence[str], salt: str) -> str:
        return options[self.index(len(options), salt)]

    def choose(self, section: Section, slots: Slots, salt: str) -> str | None:
        """A wording for `section` whose slots all have values (None if none has).

        When learned phrases are eligible, half of the seeds (by their own hash) take one
        of them and the rest the phrase bank's, so a batch keeps varied openings.
        """
        eligible = [o for o in section.options if slots.allows(o)]
        learned = [o for o in section.learned if o in eligible]
        bank = [o for o in eligible if o not in section.learned]
        if learned and (not bank or self.index(2, f"{salt}\x1flearned") == 0):
            return self.pick(learned, f"{salt}\x1flearned")
        return self.pick(bank, salt) if bank else None

    def order(self, options: Sequence[str], salt: str) -> list[str]:
        """`options` in an order of their own for this seed (a stable shuffle)."""
        return sorted(options, key=lambda option: self.index(1 << 62, f"{salt}\x1f{option}"))


@dataclass(frozen=True)
class Section:
    """One sentence of the message: its options, and whether it may be dropped to save room."""

    key: str
    options: tuple[str, ...]
    required: bool = False
    email_only: bool = False
    paragraph: int = 0
    # Carries a fact worth keeping (a purchase, why an upgrade is better): dropped last.
    fact: bool = False
    # Phrases learned from staff edits (also in `options`); see `Chooser.choose`.
    learned: tuple[str, ...] = ()


Variant = tuple[str, list[tuple[Section, str]]]


def shorter_variants(
    chosen: list[tuple[Section, str]], greeting: str, slots: Slots, *, compact: bool
) -> list[Variant]:
    """The full message, then ever shorter ones: optional sentences dropped from the end,
    then the shortest wording of each required sentence, then the plainest greeting."""
    variants = [] if compact else [(greeting, list(chosen))]
    kept = list(chosen)
    for index in range(len(chosen) - 1, -1, -1):
        if not chosen[index][0].required:
            kept = [item for item in kept if item is not chosen[index]]
            variants.append((greeting, list(kept)))
    shortest = [(s, _shortest(s, slots) if s.key == "core" else t) for s, t in kept]
    variants.append((greeting, shortest))
    variants.append(("Hi {name},", shortest))
    return variants


def fits(text: str, segments: int) -> bool:
    info = analyse(text)
    return info.encoding == "GSM-7" and info.segments <= segments


def one_segment_variants(
    chosen: list[tuple[Section, str]],
    greeting: str,
    slots: Slots,
    chooser: Chooser,
    *,
    compact: bool,
) -> Iterator[Variant]:
    """Messages that may fit one segment, facts kept longest: plain optional sentences
    dropped from the end, then other wordings of the core (in this draft's own order, so
    openings stay varied); sentences that carry facts stay (two segments rather than less).
    `compact` (a blocked draft's retry) starts without the plain optional sentences."""
    kept = list(chosen)
    if not compact:
        yield greeting, list(kept)
    for item in reversed(chosen):
        if not item[0].required and not item[0].fact:
            kept = [k for k in kept if k is not item]
            if not compact:
                yield greeting, list(kept)
    if compact:
        yield greeting, list(kept)
    core = next((k[0] for k in kept if k[0].key == "core"), None)
    if core is None:
        return
    wordings = chooser.order([t for t in core.options if slots.allows(t)], "sms.core")
    for hello in dict.fromkeys((greeting, "Hi {name},")):
        for wording in wordings:
            yield hello, [(s, wording if s is core else t) for s, t in kept]


def _shortest(section: Section, slots: Slots) -> str:
    eligible = [t for t in section.options if slots.allows(t)]
    return min(eligible, key=lambda t: len(slots.fill(t)))


def join_sentences(parts: list[str]) -> str:
    """Greeting and sentences on one line; after 'Hi Maya,' the next word goes lower-case."""
    greeting, *rest = parts
    if rest and greeting.endswith(",") and _lowerable(rest[0]):
        rest[0] = rest[0][0].lower() + rest[0][1:]
    return " ".join([greeting, *rest])


def _lowerable(sentence: str) -> bool:
    first = sentence.split(" ", 1)[0]
    return (
        first not in ("I", "I'm", "I'd", "I've", "I'll")
        and first[:1].isupper()
        and (first[1:].islower() or len(first) == 1)
    )
