"""The offline drafter: readable, varied messages in the brand voice, with no model and no network.

It writes from the fact receipt alone (never from the rendered prompt), picking an opening,
a body and a closing per playbook from `offline_phrases` with a stable hash of the facts and
`request.variant`, so the same customer always gets the same draft and two customers rarely
get the same wording. Every slot it fills comes from a fact, so it cannot invent a price, a
code or a date. SMS drafts are GSM-7, one segment when the facts allow, else at most two
(shorter variants are tried until one fits), with the opt-out notice on a customer's first
SMS. Products are named by their short names; check-ins are phrased for the product's
category; anything said about the brand comes from brand.yaml. Openings and closings
learned from staff edits (`request.examples`, see `offline_learned`) join the phrase bank.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from assistant.drafting.brand import Brand
from assistant.drafting.occasion_facts import is_follow_up
from assistant.drafting.product_names import category_family
from assistant.drafting.sms_segments import gsm_fold
from assistant.ports import DrafterRefused, DraftOutput, DraftRequest
from connectors.llm import offline_phrases as phrases
from connectors.llm.offline_care import CARE_TIP, care_tip_sections
from connectors.llm.offline_compose import (
    Chooser,
    Section,
    Variant,
    fits,
    join_sentences,
    one_segment_variants,
    shorter_variants,
)
from connectors.llm.offline_facts import Slots as _Slots
from connectors.llm.offline_facts import calendar as _calendar
from connectors.llm.offline_facts import count as _count
from connectors.llm.offline_facts import fact as _fact
from connectors.llm.offline_facts import product_name, upgrade_reason
from connectors.llm.offline_facts import relative as _relative
from connectors.llm.offline_facts import sentence_fragment as _sentence_fragment
from connectors.llm.offline_facts import slot_names as _slot_names
from connectors.llm.offline_facts import text as _text
from connectors.llm.offline_learned import Learned, learned_phrases
from connectors.llm.offline_replies import compose_reply

MAX_SMS_SEGMENTS = 2
# Shorter emails read as truncated (the guardrails warn below this many words).
EMAIL_MIN_WORDS = 15
_SHORTER = ("short", "brief", "concise", "trim", "tighter")
_WARMER = ("warm", "friendl", "personal")
_DATES = re.compile(r"\bdates?\b")
_FORMAL = ("formal", "professional", "polite")
_ASK = ("ask what",)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class _Style:
    """What the request's feedback and instruction ask for."""

    compact: bool = False
    warm: bool = False
    formal: bool = False
    dates: bool = True
    understood: bool = False
    ask: bool = False

    @classmethod
    def of(cls, request: DraftRequest) -> _Style:
        # A variant's voice (prompts/variants.yaml) is read with the same words as a
        # reviewer's instruction, plus "ask what": close by asking what they'd like next.
        wish = (request.instruction or "").lower()
        voice = (request.voice or "").lower()
        both = f"{wish}\n{voice}"
        retry = bool(request.feedback)
        shorter = any(word in both for word in _SHORTER)
        warm = any(word in both for word in _WARMER)
        formal = any(word in both for word in _FORMAL)
        no_dates = bool(_DATES.search(both))
        return cls(
            # A blocked first attempt gets the plainest form: fewer sentences, no dates.
            compact=retry or shorter,
            warm=warm,
            formal=formal,
            dates=not retry and not no_dates,
            # Only the reviewer's own wish keeps the wording (see `_seed`).
            understood=any(w in wish for w in (*_SHORTER, *_WARMER, *_FORMAL))
            or bool(_DATES.search(wish)),
            ask=any(word in voice for word in _ASK),
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
        # A check-in's follow-up step (a trigger sequence) shares a care tip instead.
        kind = CARE_TIP_KEY if _is_care_tip(request.playbook, facts) else request.playbook
        sections = _sections(kind, facts, slots, style)
        chooser = Chooser(_seed(request, style))
        if kind == request.playbook and request.examples:
            sections = _with_learned(sections, learned_phrases(request.examples, kind))
        chosen = [
            (section, wording)
            for section in sections
            if (wording := chooser.choose(section, slots, f"{kind}.{section.key}")) is not None
        ]
        greeting = chooser.pick(_greetings(style, email=not sms), "greeting")
        if sms:
            body, used = self._sms(request, chosen, greeting, slots, style, chooser)
            subject = None
        else:
            body, used = self._email(chosen, greeting, slots, style)
            subject, subject_used = self._subject(kind, chooser, slots)
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
        slots.put("about", self.brand.about, None)
        product, path = product_name(facts, "purchase", "product")
        slots.put("product", fold(product or ""), path)
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
        _put_upsell(slots, facts, fold)
        returned, path = product_name(facts, "return", "product")
        if not returned:
            returned, path = product_name(facts, "relaunch", "product")
        slots.put("returned", fold(returned or ""), path)
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
        chosen: list[tuple[Section, str]],
        greeting: str,
        slots: _Slots,
        style: _Style,
        chooser: Chooser,
    ) -> tuple[str, list[str]]:
        brand = self.brand
        signature = brand.signature("sms")
        notice = brand.sms_opt_out_notice if _fact(request.facts, "customer.first_sms") else ""
        target = min(MAX_SMS_SEGMENTS, brand.sms_warn_segments)
        sentences = [(s, t) for s, t in chosen if not s.email_only]

        def render(variant: Variant) -> tuple[str, list[str]]:
            templates = [variant[0], *(t for _, t in variant[1])]
            text = join_sentences([slots.fill(t) for t in templates])
            text = gsm_fold("\n".join(part for part in (text, signature, notice) if part))
            return text, [name for t in templates for name in _slot_names(t)]

        # One segment when the facts allow: cheaper, and read in full on every phone.
        for variant in one_segment_variants(
            sentences, greeting, slots, chooser, compact=style.compact
        ):
            text, used = render(variant)
            if fits(text, 1):
                return text, used
        best = ""
        best_slots: list[str] = []
        for variant in shorter_variants(sentences, greeting, slots, compact=style.compact):
            text, used = render(variant)
            if not best or len(text) < len(best):
                best, best_slots = text, used
            if fits(text, target):
                return text, used
        return best, best_slots

    def _email(
        self,
        chosen: list[tuple[Section, str]],
        greeting: str,
        slots: _Slots,
        style: _Style,
    ) -> tuple[str, list[str]]:
        limit = self.brand.email_body_max_words
        signature = self.brand.signature("email")
        drafts: list[tuple[str, list[str]]] = []
        variants = shorter_variants(chosen, greeting, slots, compact=style.compact)
        if style.compact:
            # Compact, but never so short that the email reads as cut off.
            variants += shorter_variants(chosen, greeting, slots, compact=False)[:1]
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

    def _subject(self, playbook: str, chooser: Chooser, slots: _Slots) -> tuple[str, list[str]]:
        limit = self.brand.email_subject_max
        bank = CARE_TIP if playbook == CARE_TIP_KEY else _bank(playbook)
        options = [
            t for t in bank.get("subject", ()) if slots.allows(t) and len(slots.fill(t)) <= limit
        ]
        if not options:
            return f"A note from {self.brand.name}"[:limit], []
        template = chooser.pick(options, f"{playbook}.subject")
        return slots.fill(template), _slot_names(template)


def _put_upsell(slots: _Slots, facts: Mapping[str, Any], fold: Callable[[str], str]) -> None:
    """The favourite and its upgrade by short name (full names when those are the same),
    and why the upgrade is better when the facts say."""
    fav, fav_path = product_name(facts, "product", "name")
    upgrade, upgrade_path = product_name(facts, "upgrade", "name")
    if fav and upgrade and fav.lower() == upgrade.lower():
        slots.put("same", fold(fav), fav_path)
        fav, fav_path = _text(facts, "product.name"), "product.name"
        upgrade, upgrade_path = _text(facts, "upgrade.name"), "upgrade.name"
    slots.put("fav", fold(fav or ""), fav_path)
    slots.put("upgrade", fold(upgrade or ""), upgrade_path)
    reason = upgrade_reason(facts)
    if reason is not None:
        slots.put("why_kind", reason.kind, None)
        for slot, value in reason.values.items():
            slots.put(slot, fold(value), reason.path)


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


CARE_TIP_KEY = "care_tip"


def _is_care_tip(playbook: str, facts: Mapping[str, Any]) -> bool:
    return playbook == "check_in" and is_follow_up(facts)


def _sections(
    playbook: str, facts: Mapping[str, Any], slots: _Slots, style: _Style
) -> list[Section]:
    if playbook == CARE_TIP_KEY:
        family = category_family(_text(facts, "purchase.category"))
        return care_tip_sections(family, phrases.WARM_CLOSINGS if style.warm else ())
    bank = _bank(playbook)
    closing = phrases.WARM_CLOSINGS if style.warm else bank.get("closing", ())
    if style.ask:
        closing = phrases.ASK_CLOSINGS
    if playbook == "recognition":
        core = bank["core"] if any(slots.allows(t) for t in bank["core"]) else bank["core_plain"]
        return [
            Section("core", core, required=True),
            # By SMS the purchase comes before the offer; by email the offer closes paragraph 0.
            # A nice touch, not the point: dropped before the thank-you is cut to fit one SMS.
            Section("purchase", bank["purchase"], paragraph=1),
            Section("offer", ("{offer_line}",), required=True),
            Section("more", bank["email_more"], email_only=True, paragraph=1),
            Section("closing", closing, paragraph=2),
        ]
    if playbook == "check_in":
        # Phrased for what was bought: no "setup or care" for oat milk, no fit for a kettle.
        family = category_family(_text(facts, "purchase.category"))
        kind = phrases.CHECK_IN_FAMILIES[family]
        return [
            Section("core", bank[f"core_{family}"], required=True),
            Section("more", kind["email_more"], email_only=True, paragraph=1),
            Section("help", kind["help"], paragraph=1),
            Section("closing", closing, paragraph=2),
        ]
    sections = [Section("core", bank["core"], required=True)]
    why = slots.values.get("why_kind")
    if playbook == "upsell" and why:
        sections.append(Section("why", bank[why], fact=True))
    follow = {"upsell": "extra", "re_engagement": "invite"}[playbook]
    return [
        *sections,
        Section("more", bank["email_more"], email_only=True, paragraph=1),
        Section(follow, bank[follow], paragraph=1),
        Section("closing", closing, paragraph=2),
    ]


def _with_learned(sections: list[Section], learned: Learned) -> list[Section]:
    """Learned openings join the core sentence's options, learned closings the closing's."""
    extra = {"core": learned.openings, "closing": learned.closings}
    return [
        replace(s, options=(*extra[s.key], *s.options), learned=extra[s.key])
        if extra.get(s.key)
        else s
        for s in sections
    ]


def _greetings(style: _Style, *, email: bool) -> tuple[str, ...]:
    if style.formal:
        return phrases.FORMAL_GREETINGS
    return phrases.EMAIL_GREETINGS if email else phrases.GREETINGS


def _seed(request: DraftRequest, style: _Style) -> str:
    # A recognised instruction ("shorter", "warmer") keeps the wording and adjusts it; any
    # other instruction rewords, so a regenerate always gives the reviewer something new.
    wish = "" if style.understood else (request.instruction or "")
    canonical = json.dumps(_plain(request.facts), sort_keys=True, default=str)
    # An A/B variant words its drafts its own way (no variant: the seed is as it always was).
    tested = [f"variant={request.test_variant}"] if request.test_variant else []
    return "\x1f".join([str(request.variant), wish, *request.feedback, *tested, canonical])
