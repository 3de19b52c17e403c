"""GuardrailPolicy: the brand-derived limits and word lists the checks apply."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from assistant.drafting.brand import Brand

DEFAULT_OPT_OUT_NOTICE = "Reply STOP to opt out"


@dataclass(frozen=True)
class GuardrailPolicy:
    """What the guardrails enforce. Defaults match the Brand defaults.

    `catalog_names` are the store's product names: with them, a catalogue product mentioned
    in a draft but absent from its facts is an invented product. Without them, product
    names are not guessed at. `known_texts` are brand texts a draft may quote (help text,
    sign-off): links, codes and numbers in them count as known.
    """

    brand_name: str = ""
    sender_name: str = ""
    sign_off: str = ""
    words_to_avoid: tuple[str, ...] = ()
    emoji: Literal["never", "sparingly", "allowed"] = "allowed"
    sms_opt_out_notice: str = DEFAULT_OPT_OUT_NOTICE
    sms_warn_segments: int = 2
    sms_max_segments: int = 3
    email_subject_max: int = 60
    email_body_max_words: int = 180
    email_body_min_words: int = 15
    catalog_names: frozenset[str] = field(default_factory=frozenset)
    known_texts: tuple[str, ...] = ()

    @classmethod
    def from_brand(cls, brand: Brand, *, catalog_names: Iterable[str] = ()) -> GuardrailPolicy:
        """The policy of `brand`, optionally with the store's product names."""
        return cls(
            brand_name=brand.name,
            sender_name=brand.sender_name,
            sign_off=brand.sign_off,
            words_to_avoid=tuple(brand.words_to_avoid),
            emoji=brand.emoji,
            sms_opt_out_notice=brand.sms_opt_out_notice,
            sms_warn_segments=brand.sms_warn_segments,
            sms_max_segments=brand.sms_max_segments,
            email_subject_max=brand.email_subject_max,
            email_body_max_words=brand.email_body_max_words,
            catalog_names=frozenset(catalog_names),
            known_texts=(
                brand.help_text,
                brand.signature("sms"),
                brand.signature("email"),
                # The brand's own words about itself: its numbers and years are not invented.
                *((brand.about,) if brand.about else ()),
            ),
        )

    def with_catalog(self, names: Iterable[str]) -> GuardrailPolicy:
        """This policy with `names` added to the catalogue."""
        return replace(self, catalog_names=self.catalog_names | frozenset(names))
