"""SMS encoding (GSM-7 or UCS-2) and the split into segments, as carriers and Twilio count them.

Terms used here:

- *unit*: what a segment's capacity is counted in. A GSM-7 septet (an extension character
  such as ``€`` is an escape pair, 2 septets) or a UTF-16 code unit in UCS-2 (an emoji
  outside the BMP is a surrogate pair, 2 units; a flag is 4).
- *character*: a user-visible character, i.e. a grapheme cluster as approximated by
  :func:`graphemes`. ``characters`` is what a person counts on screen; ``units`` is what
  the carrier counts.

One message fits 160 septets / 70 units. Longer messages are concatenated and every
segment loses 6 octets to the user data header, leaving 153 septets / 67 units. Segments
are filled greedily, as phones and Twilio do, but an escape pair, a surrogate pair or a
grapheme cluster is never cut across a boundary, so a segment may carry fewer units than
its capacity and ``ceil(units / 153)`` can undercount.

Matches Twilio's message-segment-calculator (github.com/TwilioDevEd/message-segment-calculator)
on encoding and segment count; see ``characters`` below for the one deliberate difference.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Final, Literal

Encoding = Literal["GSM-7", "UCS-2"]

# 3GPP TS 23.038 default alphabet: the 128 positions minus 0x1B, the escape to the
# extension table. Note the capital Ç (position 0x09): lower-case ç is not GSM-7.
GSM7_BASIC: Final[frozenset[str]] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
# The extension table: each costs an escape septet plus its own, 2 in all (1 unit in UCS-2).
GSM7_EXTENSION: Final[frozenset[str]] = frozenset("\f^{}\\[~]|€")

_GSM7_ALL: Final = GSM7_BASIC | GSM7_EXTENSION

GSM7_SINGLE: Final = 160
GSM7_MULTI: Final = 153
UCS2_SINGLE: Final = 70
UCS2_MULTI: Final = 67

_ZWJ: Final = "\u200d"
_KEYCAP: Final = "\u20e3"


@dataclass(frozen=True)
class SmsEncodingInfo:
    """How an SMS body is encoded, billed and counted."""

    encoding: Encoding
    segments: int
    # User-visible characters (grapheme clusters): 1 for "€", "😜", "🇮🇹" or "é" + 3 accents.
    # Twilio's calculator reports septets here for GSM-7 (so "€" is 2) but graphemes for
    # UCS-2; we count graphemes in both, and the billed count is `units`.
    characters: int
    # Billed code units: septets for GSM-7 (escapes count 2), UTF-16 code units for UCS-2.
    units: int
    # Graphemes holding a non-GSM-7 code point, deduplicated in order of first appearance;
    # empty for GSM-7. Whole graphemes, so "é" + combining accent shows as one readable item.
    non_gsm_characters: tuple[str, ...]


def is_gsm7(char: str) -> bool:
    """Whether one code point is in the GSM-7 basic set or its extension table."""
    return char in GSM7_BASIC or char in GSM7_EXTENSION


# Typographic characters a text may hold, mapped to their GSM-7 look-alikes.
_GSM_LOOKALIKES: Final = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
)


def gsm_fold(text: str) -> str:
    """`text` with every character GSM-7: look-alikes swapped, accents dropped if need be."""
    text = text.translate(_GSM_LOOKALIKES).replace("\u2026", "...")
    out: list[str] = []
    for char in text:
        if is_gsm7(char):
            out.append(char)
            continue
        # "ë" -> "e", "í" -> "i": keep the letter, lose the accent GSM-7 cannot carry.
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if is_gsm7(c))
        out.append(base)
    return "".join(out)


def _is_regional_indicator(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def _extends(char: str) -> bool:
    """Whether `char` attaches to the grapheme before it, whatever that is."""
    code = ord(char)
    return (
        # Combining marks of every kind: accents (Mn), enclosing marks such as the keycap
        # U+20E3 (Me), spacing marks of Indic scripts (Mc), variation selectors U+FE0E/U+FE0F
        # and U+E0100.. (Mn).
        unicodedata.category(char) in ("Mn", "Me", "Mc")
        or unicodedata.combining(char) != 0
        or char in (_ZWJ, _KEYCAP)
        or 0x1F3FB <= code <= 0x1F3FF  # emoji skin-tone modifiers (category Sk)
        or 0xE0020 <= code <= 0xE007F  # tags: subdivision flags like England's (category Cf)
    )


def graphemes(text: str) -> list[str]:
    """Split `text` into user-visible characters: a small approximation of UAX #29 clusters.

    Covered: base + combining marks, variation selectors, skin tones, keycaps, ZWJ emoji
    sequences (a symbol after U+200D joins), regional-indicator pairs (flags) and tag
    sequences. Not covered: Hangul jamo sequences, Indic conjuncts across a virama,
    prepended marks. CR LF stays two characters, as in Twilio's calculator (both are GSM-7,
    so this only matters for counting). Marks never attach to a control character.
    """
    if text.isascii():
        return list(text)  # no ASCII character joins the one before it
    clusters: list[str] = []
    for char in text:
        if clusters and not _starts_new_cluster(clusters[-1], char):
            clusters[-1] += char
        else:
            clusters.append(char)
    return clusters


def _starts_new_cluster(previous: str, char: str) -> bool:
    if unicodedata.category(previous[-1]) == "Cc":
        return True  # break after controls (CR, LF, tab): UAX #29 rule GB4
    if _extends(char):
        return False
    if previous[-1] == _ZWJ and unicodedata.category(char) == "So":
        return False  # emoji ZWJ sequence: 👩 + ZWJ + 💻; "So" approximates pictographic
    # A flag is exactly two regional indicators; a third starts the next flag.
    return not (
        _is_regional_indicator(char) and len(previous) == 1 and _is_regional_indicator(previous)
    )


def _utf16_units(text: str) -> int:
    return sum(2 if ord(c) > 0xFFFF else 1 for c in text)


def _gsm7_septets(text: str) -> int:
    return sum(2 if c in GSM7_EXTENSION else 1 for c in text)


@dataclass(frozen=True)
class _Layout:
    encoding: Encoding
    clusters: list[str]
    units: int
    parts: list[str]
    non_gsm: tuple[str, ...]


def _layout(text: str) -> _Layout:
    """Encode `text` and pack it into segments."""
    clusters = graphemes(text)
    non_gsm: tuple[str, ...] = ()
    if not _GSM7_ALL.issuperset(text):
        # dict keeps first-appearance order while deduplicating.
        non_gsm = tuple(dict.fromkeys(c for c in clusters if not all(is_gsm7(ch) for ch in c)))
    encoding: Encoding = "UCS-2" if non_gsm else "GSM-7"
    cost = _utf16_units if non_gsm else _gsm7_septets
    single, multi = (UCS2_SINGLE, UCS2_MULTI) if non_gsm else (GSM7_SINGLE, GSM7_MULTI)
    units = cost(text)  # the same as the clusters' costs added up: cost is per code point
    if units <= single:
        # Also the empty message: one (empty) segment, as in Twilio's calculator.
        return _Layout(encoding, clusters, units, [text], non_gsm)
    if units == len(text) == len(clusters):
        # Every character is a cluster of its own costing one unit: plain chunks.
        chunks = [text[start : start + multi] for start in range(0, len(text), multi)]
        return _Layout(encoding, clusters, units, chunks, non_gsm)

    pieces: list[str] = []
    for cluster in clusters:
        # A cluster bigger than a whole segment (a long run of combining marks) cannot stay
        # together; split it by code point, which still never cuts a surrogate pair.
        pieces.extend(cluster if cost(cluster) > multi else [cluster])
    parts: list[str] = []
    current, used = "", 0
    for piece in pieces:
        size = cost(piece)
        if used + size > multi:
            parts.append(current)
            current, used = "", 0
        current += piece
        used += size
    parts.append(current)
    return _Layout(encoding, clusters, units, parts, non_gsm)


def analyse(text: str) -> SmsEncodingInfo:
    """Encoding, segment count, characters, billed units and the characters forcing UCS-2."""
    layout = _layout(text)
    return SmsEncodingInfo(
        encoding=layout.encoding,
        segments=len(layout.parts),
        characters=len(layout.clusters),
        units=layout.units,
        non_gsm_characters=layout.non_gsm,
    )


def segment_texts(text: str) -> list[str]:
    """The message split into segments as a phone receives them; they join back to `text`."""
    return _layout(text).parts
