"""The offline drafter: readable, varied messages in the brand voice, with no model and no network.

It writes from the fact receipt alone (never from the rendered prompt), picking an opening,
a body and a closing per playbook from `offline_phrases` with a stable hash of the facts and
`request.variant`, so the same customer always gets the same draft and two customers rarely
get the same wording. Every slot it fills comes from a fact, so it cannot invent a price, a
code or a date. SMS drafts are GSM-7 and at most two segments (shorter variants are tried
until one fits), with the opt-out notice on a customer's first SMS.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.drafting.brand import Brand
from assistant.drafting.sms_segments import analyse, gsm_fold
from assistant.ports import DrafterRefused, DraftOutput, DraftRequest
from connectors.llm import offline_phrases as phrases
from connectors.llm.offline_replies import compose_reply

MAX_SMS_SEGMENTS = 2
# Shorter emails read as truncated (the guardrails warn below this many words).
EMAIL_MIN_WORDS = 15
_FORMATTER = string.Formatter()
# Spelled out rather than calendar.month_name, which follows the process locale.
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_SHORTER = ("short", "brief", "concise", "trim", "tighter")
_WARMER = ("warm", "friendl", "personal")
_DATES = re.compile(r"\bdates?\b")
_FORMAL = ("formal", "professional", "polite")


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _fact(facts: Mapping[str, Any], path: str) -> Any:
    value: Any = facts
    for key in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _text(facts: Mapping[str, Any], path: str) -> str | None:
    value = _fact(facts, path)
    if value is None or isinstance(value, bool | Mapping | list):
        return None
    text = " ".join(str(value).split())
    return text or None


def _count(facts: Mapping[str, Any], path: str) -> int | None:
    value = _fact(facts, path)
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if number > 0 else None


def _relative(days: int) -> str:
    if days <= 0:
        return "earlier today"
    if days == 1:
        return "yesterday"
    if days < 7:
        return "a few days ago"
    if days < 14:
        return "last week"
    if days <= 45:
        return "a few weeks ago"
    return "a while back"


def _calendar(value: str) -> str | None:
    try:
        day = datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None
    return f"on {_MONTHS[day.month - 1]} {day.day}"


def _sentence_fragment(text: str) -> str:
    """A fact written as a clause: first letter lower-cased, no final stop, ';' as ','."""
    text = text.strip().rstrip(".").replace("; ", ", ")
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        text = text[0].lower() + text[1:]
    return text


@dataclass
class _Slots:
    """Slot values for the phrase templates and the fact path each one came from."""

    values: dict[str, str]
    paths: dict[str, str]

    def put(self, slot: str, value: str | None, path: str | None) -> None:
        if value:
            self.values[slot] = value
            if path:
                self.paths[slot] = path

    def allows(self, template: str) -> bool:
        return all(slot in self.values for slot in _slot_names(template))

    def fill(self, template: str) -> str:
        return template.format(**self.values)


def _slot_names(template: str) -> list[str]:
    return [field for _, field, _, _ in _FORMATTER.parse(template) if field]


class _Chooser:
    """Deterministic picks: the same seed and salt always choose the same option."""

    def __init__(self, seed: str) -> None:
        self.seed = seed

    def index(self, count: int, salt: str) -> int:
        digest = hashlib.sha256(f"{self.seed}\x1f{salt}".encode()).digest()
        return int.from_bytes(digest[:8], "big") % count

    def pick(self, options: Sequence[str], salt: str) -> str:
        return options[self.index(len(options), salt)]


@dataclass(frozen=True)
class _Section:
    """One sentence of the message: its options, and whether it may be dropped to save room."""

    key: str
    options: tuple[str, ...]
    required: bool = False
    email_only: bool = False
    paragraph: int = 0


@dataclass(frozen=True)
class _Style:
    """What the request's feedback and instruction ask for."""

    compact: bool = False
    warm: bool = False
    formal: bool = False
    dates: bool = True
    understood: bool = False

    @classmethod
    def of(cls, request: DraftRequest) -> _Style:
        wish = (request.instruction or "").lower()
        retry = bool(request.feedback)
        shorter = any(word in wish for word in _SHORTER)
        warm = any(word in wish for word in _WARMER)
        formal = any(word in wish for word in _FORMAL)
        no_dates = bool(_DATES.search(wish))
        return cls(
            # A blocked first attempt gets the plainest form: fewer sentences, no dates.
            compact=retry or shorter,
            warm=warm,
            formal=formal,
            dates=not retry and not no_dates,
            understood=shorter or warm or formal or no_dates,
        )


class OfflineDrafter:
    """The embedded default drafter: deterministic, no network, brand voice from `Brand`."""

    name = "offline"

    def __init__(self, brand: Brand) -> None:
        self.brand = brand

    async def draft(self, request: DraftRequest) -> DraftOutput:
        """Write the message for `request` (see `compose`)."""
        return self.compose(request)

    async def aclose(self) -> None:
        """Nothing to release."""

    def compose(self, request: DraftRequest) -> DraftOutput:
        """The same output `draft` gives, synchronously."""
        if request.playbook == "reply":
            return compose_reply(self.brand, request)
        facts = request.facts
        if not _text(facts, "customer.first_name"):
            raise DrafterRefused("the facts have no customer.first_name to address")
        sms = request.channel == "sms"
        style = _Style.of(request)
        slots = self._slots(request.playbook, facts, sms=sms, style=style)
        sections = _sections(request.playbook, facts, slots, style)
        chooser = _Chooser(_seed(request, style))
        chosen = [
            (section, chooser.pick(eligible, f"{request.playbook}.{section.key}"))
            for section in sections
            if (eligible := tuple(o for o in section.options if slots.allows(o)))
        ]
        greeting = chooser.pick(_greetings(style, email=not sms), "greeting")
        if sms:
            body, used = self._sms(request, chosen, greeting, slots, style)
            subject = None
        else:
            body, used = self._email(chosen, greeting, slots, style)
            subject, subject_used = self._subject(request.playbook, chooser, slots)
            used = [*used, *subject_used]
        paths = ["customer.first_name"] + [slots.paths[s] for s in used if s in slots.paths]
        return DraftOutput(
            body=body,
            subject=subject,
            facts_used=tuple(dict.fromkeys(paths)),
            model="offline",
        )

    def _slots(
        self, playbook: str, facts: Mapping[str, Any], *, sms: bool, style: _Style
    ) -> _Slots:
        fold = gsm_fold if sms else (lambda text: text)
        slots = _Slots({}, {})
        slots.put("name", fold(_text(facts, "customer.first_name") or ""), "customer.first_name")
        slots.put("brand", self.brand.name, None)
        slots.put("product", fold(_text(facts, "purchase.product") or ""), "purchase.product")
        if style.dates:
            days = _fact(facts, "purchase.days_ago")
            on = _text(facts, "purchase.ordered_on")
            if isinstance(days, int) and not isinstance(days, bool) and days >= 0:
                slots.put("when", _relative(days), "purchase.days_ago")
            elif on:
                slots.put("when", _calendar(on), "purchase.ordered_on")
        kind = _text(facts, "milestone.kind") or ""
        threshold = _count(facts, "milestone.threshold")
        if kind == "orders" and threshold:
            slots.put("orders", str(threshold), "milestone.threshold")
        elif kind.startswith(("tenure", "year")) and threshold:
            slots.put("years", _years(threshold), "milestone.threshold")
        elif not kind and (years := _count(facts, "customer.tenure_years")):
            slots.put("years", _years(years), "customer.tenure_years")
        slots.put("fav", fold(_text(facts, "product.name") or ""), "product.name")
        slots.put("upgrade", fold(_text(facts, "upgrade.name") or ""), "upgrade.name")
        returned_path = "return.product" if _text(facts, "return.product") else "relaunch.product"
        slots.put("returned", fold(_text(facts, returned_path) or ""), returned_path)
        improvement = _text(facts, "relaunch.improvement")
        if improvement:
            slots.put("improvement", fold(_sentence_fragment(improvement)), "relaunch.improvement")
        reason = phrases.REASONS.get(_text(facts, "return.reason") or "")
        slots.put("reason", reason, "return.reason")
        slots.put("offer_line", fold(_offer_line(facts) or ""), "offer")
        _require(playbook, slots)
        return slots

    def _sms(
        self,
        request: DraftRequest,
        chosen: list[tuple[_Section, str]],
        greeting: str,
        slots: _Slots,
        style: _Style,
    ) -> tuple[str, list[str]]:
        brand = self.brand
        signature = brand.signature("sms")
        notice = brand.sms_opt_out_notice if _fact(request.facts, "customer.first_sms") else ""
        target = min(MAX_SMS_SEGMENTS, brand.sms_warn_segments)
        sentences = [(s, t) for s, t in chosen if not s.email_only]
        best = ""
        best_slots: list[str] = []
        for variant in _shorter_variants(sentences, greeting, slots, compact=style.compact):
            templates = [variant[0], *(t for _, t in variant[1])]
            text = _join_sentences([slots.fill(t) for t in templates])
            text = gsm_fold("\n".join(part for part in (text, signature, notice) if part))
            used = [name for t in templates for name in _slot_names(t)]
            if not best or len(text) < len(best):
                best, best_slots = text, used
            info = analyse(text)
            if info.encoding == "GSM-7" and info.segments <= target:
                return text, used
        return best, best_slots

    def _email(
        self,
        chosen: list[tuple[_Section, str]],
        greeting: str,
        slots: _Slots,
        style: _Style,
    ) -> tuple[str, list[str]]:
        limit = self.brand.email_body_max_words
        signature = self.brand.signature("email")
        drafts: list[tuple[str, list[str]]] = []
        variants = _shorter_variants(chosen, greeting, slots, compact=style.compact)
        if style.compact:
            # Compact, but never so short that the email reads as cut off.
            variants += _shorter_variants(chosen, greeting, slots, compact=False)[:1]
        for variant in variants:
            paragraphs: dict[int, list[str]] = {}
            for section, template in variant[1]:
                paragraphs.setdefault(section.paragraph, []).append(slots.fill(template))
            parts = [slots.fill(variant[0])]
            parts += [" ".join(paragraphs[key]) for key in sorted(paragraphs)]
            text = "\n\n".join([*parts, signature])
            templates = [variant[0], *(t for _, t in variant[1])]
            drafts.append((text, [name for t in templates for name in _slot_names(t)]))
            if EMAIL_MIN_WORDS <= len(text.split()) <= limit:
                return drafts[-1]
        within = [d for d in drafts if len(d[0].split()) <= limit]
        if within:
            return max(within, key=lambda d: len(d[0]))
        return min(drafts, key=lambda d: len(d[0]))

    def _subject(self, playbook: str, chooser: _Chooser, slots: _Slots) -> tuple[str, list[str]]:
        limit = self.brand.email_subject_max
        bank = _bank(playbook)
        options = [
            t for t in bank.get("subject", ()) if slots.allows(t) and len(slots.fill(t)) <= limit
        ]
        if not options:
            return f"A note from {self.brand.name}"[:limit], []
        template = chooser.pick(options, f"{playbook}.subject")
        return slots.fill(template), _slot_names(template)


def _years(count: int) -> str:
    return "1 year" if count == 1 else f"{count} years"


def _offer_line(facts: Mapping[str, Any]) -> str | None:
    """The offer sentence, only from the facts' own wording; None when there is no offer."""
    description = _text(facts, "offer.description")
    code = _text(facts, "offer.code")
    percent = _count(facts, "offer.percent_off")
    if not description and percent:
        description = f"{percent}% off your next order"
    if not description:
        return None
    line = f"As a small thank-you, here's {description}"
    return f"{line} - just use code {code} at checkout." if code else f"{line}."


_REQUIRED_SLOTS = {
    "check_in": ("product",),
    "upsell": ("fav", "upgrade"),
    "re_engagement": ("returned", "improvement"),
}


def _require(playbook: str, slots: _Slots) -> None:
    missing = [slot for slot in _REQUIRED_SLOTS.get(playbook, ()) if slot not in slots.values]
    if missing:
        raise DrafterRefused(f"the facts lack what a {playbook} message needs: {missing}")


def _bank(playbook: str) -> phrases.Bank:
    banks = {
        "recognition": phrases.RECOGNITION,
        "check_in": phrases.CHECK_IN,
        "upsell": phrases.UPSELL,
        "re_engagement": phrases.RE_ENGAGEMENT,
    }
    try:
        return banks[playbook]
    except KeyError:
        raise DrafterRefused(f"the offline drafter has no phrasing for {playbook!r}") from None


def _sections(
    playbook: str, facts: Mapping[str, Any], slots: _Slots, style: _Style
) -> list[_Section]:
    bank = _bank(playbook)
    closing = phrases.WARM_CLOSINGS if style.warm else bank.get("closing", ())
    if playbook == "recognition":
        core = bank["core"] if any(slots.allows(t) for t in bank["core"]) else bank["core_plain"]
        return [
            _Section("core", core, required=True),
            # By SMS the purchase comes before the offer; by email the offer closes paragraph 0.
            _Section("purchase", bank["purchase"], paragraph=1),
            _Section("offer", ("{offer_line}",), required=True),
            _Section("more", bank["email_more"], email_only=True, paragraph=1),
            _Section("closing", closing, paragraph=2),
        ]
    follow = {"check_in": "help", "upsell": "extra", "re_engagement": "invite"}[playbook]
    return [
        _Section("core", bank["core"], required=True),
        _Section("more", bank["email_more"], email_only=True, paragraph=1),
        _Section(follow, bank[follow], paragraph=1),
        _Section("closing", closing, paragraph=2),
    ]


def _shorter_variants(
    chosen: list[tuple[_Section, str]], greeting: str, slots: _Slots, *, compact: bool
) -> list[tuple[str, list[tuple[_Section, str]]]]:
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


def _shortest(section: _Section, slots: _Slots) -> str:
    eligible = [t for t in section.options if slots.allows(t)]
    return min(eligible, key=lambda t: len(slots.fill(t)))


def _join_sentences(parts: list[str]) -> str:
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


def _greetings(style: _Style, *, email: bool) -> tuple[str, ...]:
    if style.formal:
        return phrases.FORMAL_GREETINGS
    return phrases.EMAIL_GREETINGS if email else phrases.GREETINGS


def _seed(request: DraftRequest, style: _Style) -> str:
    # A recognised instruction ("shorter", "warmer") keeps the wording and adjusts it; any
    # other instruction rewords, so a regenerate always gives the reviewer something new.
    wish = "" if style.understood else (request.instruction or "")
    canonical = json.dumps(_plain(request.facts), sort_keys=True, default=str)
    return "\x1f".join([str(request.variant), wish, *request.feedback, canonical])
