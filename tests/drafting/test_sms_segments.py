"""SMS encoding and segments: the shared Twilio vectors, the boundaries, and the CLI."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from assistant.cli import app
from assistant.drafting.sms_segments import (
    GSM7_EXTENSION,
    GSM7_MULTI,
    GSM7_SINGLE,
    UCS2_MULTI,
    UCS2_SINGLE,
    analyse,
    graphemes,
    segment_texts,
)

# Test vectors from Twilio's segment calculator tests, kept in the repo so the suite runs on a
# fresh clone.
VECTORS_PATH = Path(__file__).resolve().parent / "data" / "sms_segments.json"


def _load_vectors() -> list[dict[str, Any]]:
    if not VECTORS_PATH.is_file():
        return []  # test_the_shared_vectors_are_present fails with the reason
    vectors: list[dict[str, Any]] = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
    return vectors


VECTORS = _load_vectors()

# Smart punctuation, spelled as escapes because it is easily mistaken for ASCII.
LSQUO, RSQUO, LDQUO, RDQUO, EM_DASH = "\u2018", "\u2019", "\u201c", "\u201d", "\u2014"


def _vector_id(index: int, vector: dict[str, Any]) -> str:
    quoted = re.search(r"'(.+)'", vector["source"])
    return f"{index}:{quoted.group(1) if quoted else vector['source'].split(' ')[0]}"


def _units(part: str, encoding: str) -> int:
    if encoding == "GSM-7":
        return sum(2 if c in GSM7_EXTENSION else 1 for c in part)
    return len(part.encode("utf-16-le")) // 2


def _check_parts(text: str) -> list[str]:
    """segment_texts(text), checked to rejoin to `text` and to respect every limit."""
    info = analyse(text)
    parts = segment_texts(text)
    assert "".join(parts) == text
    assert len(parts) == info.segments
    single, multi = (
        (GSM7_SINGLE, GSM7_MULTI) if info.encoding == "GSM-7" else (UCS2_SINGLE, UCS2_MULTI)
    )
    limit = single if len(parts) == 1 else multi
    assert all(_units(p, info.encoding) <= limit for p in parts), [len(p) for p in parts]
    assert sum(_units(p, info.encoding) for p in parts) == info.units
    return parts


def test_the_shared_vectors_are_present() -> None:
    assert VECTORS_PATH.is_file(), f"SMS test vectors not found at {VECTORS_PATH}"
    assert len(VECTORS) >= 27, f"expected at least 27 vectors in {VECTORS_PATH}"


@pytest.mark.parametrize(
    ("index", "vector"),
    list(enumerate(VECTORS)),
    ids=[_vector_id(i, v) for i, v in enumerate(VECTORS)],
)
def test_shared_vector(index: int, vector: dict[str, Any]) -> None:
    info = analyse(vector["text"])
    where = f"vector {index} ({vector['source']})"
    assert info.encoding == vector["encoding"], where
    assert info.segments == vector["segments"], where
    if "characters" in vector:
        assert info.characters == vector["characters"], where
    _check_parts(vector["text"])


# --- boundaries -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("a" * GSM7_SINGLE, 1),
        ("a" * (GSM7_SINGLE + 1), 2),
        ("a" * GSM7_MULTI * 2, 2),
        ("a" * (GSM7_MULTI * 2 + 1), 3),
        ("ç" * UCS2_SINGLE, 1),
        ("ç" * (UCS2_SINGLE + 1), 2),
        ("ç" * UCS2_MULTI * 2, 2),
        ("ç" * (UCS2_MULTI * 2 + 1), 3),
    ],
    ids=["gsm-160", "gsm-161", "gsm-306", "gsm-307", "ucs-70", "ucs-71", "ucs-134", "ucs-135"],
)
def test_segment_boundaries(text: str, segments: int) -> None:
    assert analyse(text).segments == segments
    _check_parts(text)


def test_an_escape_pair_at_a_segment_boundary_moves_to_the_next_segment() -> None:
    text = "a" * 152 + "€" + "b" * 10  # € would need septets 153 and 154

    parts = _check_parts(text)

    assert parts == ["a" * 152, "€" + "b" * 10]
    assert analyse(text).units == 164


def test_an_emoji_at_the_67_boundary_is_not_split() -> None:
    text = "ç" * 66 + "😜" + "ç" * 10

    assert _check_parts(text) == ["ç" * 66, "😜" + "ç" * 10]


@pytest.mark.parametrize(
    "cluster",
    [
        "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",  # family, ZWJ sequence
        "\U0001f1ee\U0001f1f9",  # flag of Italy, regional-indicator pair
        "\U0001f44d\U0001f3fd",  # thumbs up + skin tone
        "\u2764\ufe0f",  # heart + emoji variation selector
        "1\ufe0f\u20e3",  # keycap one
        "e\u0301\u0301\u0301",  # base + three combining accents
        "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",  # England
    ],
    ids=["zwj-family", "flag", "skin-tone", "variation-selector", "keycap", "accents", "tags"],
)
def test_a_grapheme_cluster_is_one_character_and_never_split(cluster: str) -> None:
    assert graphemes(cluster) == [cluster]
    assert analyse(cluster).characters == 1
    text = "ç" * 66 + cluster + "ç" * 10  # the cluster starts one unit before the boundary

    parts = _check_parts(text)

    assert cluster in parts[1]
    assert parts[0] == "ç" * 66


def test_two_flags_in_a_row_are_two_characters() -> None:
    assert graphemes("\U0001f1ee\U0001f1f9\U0001f1eb\U0001f1f7") == [
        "\U0001f1ee\U0001f1f9",
        "\U0001f1eb\U0001f1f7",
    ]


def test_ceil_of_units_undercounts_when_clusters_cannot_be_split() -> None:
    ucs2 = "ç" * 66 + "😜" + "ç" * 66  # 134 units: "2 segments" by arithmetic
    gsm7 = "]" * 153  # 306 septets: "2 segments" by arithmetic (upstream issue #39)

    assert math.ceil(analyse(ucs2).units / UCS2_MULTI) == 2
    assert analyse(ucs2).segments == 3
    assert math.ceil(analyse(gsm7).units / GSM7_MULTI) == 2
    assert analyse(gsm7).segments == 3
    _check_parts(ucs2)
    _check_parts(gsm7)


def test_a_cluster_longer_than_a_segment_is_split_by_code_point() -> None:
    text = "e" + "\u0301" * 100  # one "character" of 101 units cannot fit anywhere whole

    info = analyse(text)

    assert (info.encoding, info.characters, info.units, info.segments) == ("UCS-2", 1, 101, 2)
    _check_parts(text)


def test_a_surrogate_pair_is_never_split_even_inside_an_oversized_cluster() -> None:
    text = "\u200d".join(["\U0001f469"] * 30)  # 30 women joined: 89 units, one cluster

    parts = _check_parts(text)

    assert len(graphemes(text)) == 1
    assert all(not ("\ud800" <= p[-1] <= "\udbff") for p in parts)
    assert len(parts) == 2


# --- encoding -----------------------------------------------------------------------------


def test_smart_quotes_and_em_dash_force_ucs2_and_are_named() -> None:
    info = analyse(f"It{RSQUO}s {LDQUO}done{RDQUO} {EM_DASH} thanks, it{RSQUO}s great")

    assert info.encoding == "UCS-2"
    assert info.non_gsm_characters == (RSQUO, LDQUO, RDQUO, EM_DASH)


def test_non_gsm_characters_are_whole_graphemes_in_order_of_first_appearance() -> None:
    info = analyse("😜 ok 👍🏽 😜 e\u0301")

    assert info.non_gsm_characters == ("😜", "👍🏽", "e\u0301")


@pytest.mark.parametrize(
    "char", ["`", "ç", "á", "í", "ó", "ú", LSQUO, RSQUO, LDQUO, RDQUO, EM_DASH, "…", "•"]
)
def test_not_gsm7(char: str) -> None:
    info = analyse(f"Hi {char}")
    assert info.encoding == "UCS-2"
    assert info.non_gsm_characters == (char,)


@pytest.mark.parametrize("char", list("ÉÄÖÑÜÅÆØÇéèùìò@£$¥_ΔΦΓΛΩΠΨΣΘΞ¡¿§¤ß\n\r"))
def test_gsm7(char: str) -> None:
    info = analyse(f"Hi {char}")
    assert info.encoding == "GSM-7"
    assert info.non_gsm_characters == ()


@pytest.mark.parametrize("char", sorted(GSM7_EXTENSION))
def test_extension_characters_cost_two_septets_in_gsm7_and_one_unit_in_ucs2(char: str) -> None:
    gsm = analyse(char)
    ucs = analyse(char + "😜")

    assert (gsm.encoding, gsm.units, gsm.characters) == ("GSM-7", 2, 1)
    assert (ucs.encoding, ucs.units, ucs.characters) == ("UCS-2", 3, 2)


def test_upstream_character_counts_are_grapheme_counts() -> None:
    # From the upstream tests/index.test.js, whose `characters` fields the shared file omits.
    rainbow = "\U0001f3f3\ufe0f\u200d\U0001f308"  # rainbow flag: 4 code points, 6 units
    one = analyse(rainbow + "2345678901234567890123456789012345678901234567890123456789012345")
    two = analyse(rainbow + "23456789012345678901234567890123456789012345678901234567890123456")
    assert (one.encoding, one.segments, one.characters) == ("UCS-2", 1, 65)
    assert (two.encoding, two.segments, two.characters) == ("UCS-2", 2, 66)
    assert analyse("\rabcde\r\n123").characters == 11  # CR LF counts as two
    assert analyse("e\u0301\u0301\u0301").characters == 1


def test_characters_are_user_visible_and_units_are_billed() -> None:
    info = analyse("Price: 5€")

    assert (info.characters, info.units) == (9, 10)


def test_empty_text_is_one_empty_gsm7_segment() -> None:
    info = analyse("")

    assert (info.encoding, info.segments, info.characters, info.units) == ("GSM-7", 1, 0, 0)
    assert segment_texts("") == [""]


_ALPHABET = st.sampled_from(
    [
        "a",
        " ",
        "€",
        "]",
        "ç",
        "😜",
        "\u200d",
        "\u0301",
        "\ufe0f",
        "\U0001f3fd",
        "\U0001f1ee",
        "\U0001f469",
        "\n",
        RSQUO,
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=400).map("".join))
def test_segments_rejoin_to_the_text_and_respect_their_limits(text: str) -> None:
    _check_parts(text)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["a", "€", "[", "\n", "É"]), max_size=400).map("".join))
def test_gsm7_text_rejoins_and_respects_septet_limits(text: str) -> None:
    assert analyse(text).encoding == "GSM-7"
    _check_parts(text)


# --- command line --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello World", '{"encoding": "GSM-7", "segments": 1, "characters": 11}'),
        (f"It{RSQUO}s done 😜", '{"encoding": "UCS-2", "segments": 1, "characters": 11}'),
    ],
)
def test_cli_sms_segments_prints_the_contract_json(text: str, expected: str) -> None:
    result = CliRunner().invoke(app, ["sms", "segments", text])

    assert result.exit_code == 0, result.output
    assert result.stdout == expected + "\n"
    assert json.loads(result.stdout) == json.loads(expected)
