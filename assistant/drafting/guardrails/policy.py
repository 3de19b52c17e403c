"""GuardrailPolicy: the brand-derived limits and word lists the checks apply."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from assistant.config import get_settings

if TYPE_CHECKING:
    from assistant.drafting.brand import Brand

DEFAULT_OPT_OUT_NOTICE = "Reply STOP to opt out"


@dataclass(frozen=True)
class GuardrailPolicy:
    """What the guardrails enforce. Defaults match the Brand defaults.

    `catalog_names` are the store's product names: with them, a catalogue product mentioned
    in a draft but absent from its facts is an invented product. Without them, product
    names are not guessed at. `known_texts` are brand texts a draft may quote (help text,
    sign-off): links, codes and numbers in them count as known. `contact_phones` and
    `contact_emails` are the brand's published contact, the only phone numbers and email
    addresses (besides the customer's own) a draft may contain; `phone_region` reads numbers
    written without +country.
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
    contact_phones: tuple[str, ...] = ()
    contact_emails: tuple[str, ...] = ()
    phone_region: str = "US"

    @classmethod
    def from_brand(
        cls, brand: Brand, *, catalog_names: Iterable[str] = (), phone_region: str | None = None
    ) -> GuardrailPolicy:
        """The policy of `brand`, optionally with the store's product names; numbers without
        +country are read in `phone_region` (default: ASSISTANT_DEFAULT_PHONE_REGION)."""
        if phone_region is None:
            phone_region = get_settings().app.default_phone_region
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
                *(c for c in (brand.contact_phone, brand.contact_email) if c),
            ),
            contact_phones=(brand.contact_phone,) if brand.contact_phone else (),
            contact_emails=(brand.contact_email,) if brand.contact_email else (),
            phone_region=phone_region,
        )

    def with_catalog(self, names: Iterable[str]) -> GuardrailPolicy:
        """This policy with `names` added to the catalogue."""
        return replace(self, catalog_names=self.catalog_names | frozenset(names))
