"""Each family of opt-out wording, in English and Spanish, and what must stay a conversation."""

from __future__ import annotations

import pytest

from assistant.conversations.keywords import classify, normalise, possible_opt_out
from assistant.conversations.opt_outs import flag_of, read

FAMILIES: dict[str, list[tuple[str, str]]] = {
    "keyword variants": [
        (" Stop. ", "en"), ("Stop. Thank you", "en"), ("STOP!!! thanks", "en"),
        ("stop stop stop", "en"), ("Opt-Out", "en"), ("REVOKE.", "en"),
    ],
    "elongations": [("stoppp", "en"), ("STOPPPP PLEASEEE", "en"), ("unsubscribeee", "en")],
    "sms spellings": [
        ("pls stop txting me", "en"), ("plz no more msgs", "en"),
        ("stop sending me txts thx", "en"), ("take me off ur list", "en"),
        ("u can stop texting me now", "en"),
    ],
    "english requests": [
        ("please stop texting me", "en"), ("take me off your list", "en"),
        ("no more messages", "en"), ("delete my number", "en"), ("I want out", "en"),
        ("Stop f***ing texting me", "en"), ("I'd like to unsubscribe please", "en"),
    ],
    "spanish keywords": [("BAJA", "es"), ("Alto.", "es"), ("parar", "es"), ("CANCELAR!", "es")],
    "spanish requests": [
        ("no me envíen más mensajes", "es"), ("ya no quiero recibir mensajes", "es"),
        ("dejen de escribirme", "es"), ("quítenme de la lista", "es"),
        ("XFA YA NO ME MANDEN MSJS", "es"), ("Denme de baja por favor", "es"),
        ("bórrenme de su lista", "es"), ("déjenme en paz", "es"),
    ],
}  # fmt: skip
NOT_OPT_OUTS = [
    "don't stop believing",
    "stop by the store",
    "please don't stop texting me",
    "Can I cancel my order?",
    "cancelar mi pedido",
    "no me envíen el pedido todavía",
    "me quiero dar de alta",
    "Stop 2",
]
POSSIBLE = [
    "can you stop the order?",
    "stop sending so many",
    "too many texts",
    "not interested",
    "stop texting me at 6am",
    "demasiados mensajes",
    "¿cómo me doy de baja del correo?",
]


@pytest.mark.parametrize(
    ("text", "language"),
    [pair for family in FAMILIES.values() for pair in family],
    ids=[f"{name}: {text}" for name, family in FAMILIES.items() for text, _ in family],
)
def test_every_family_opts_out_in_its_language(text: str, language: str) -> None:
    match = classify(text)
    assert match is not None and match.intent == "opt_out"
    assert match.language == language
    assert not possible_opt_out(text)


def test_spanish_keywords_are_ours_to_confirm_and_english_ones_the_providers() -> None:
    baja, stop = classify("BAJA"), classify("STOP")
    assert baja is not None and baja.keyword == "BAJA" and not baja.provider_keyword
    assert stop is not None and stop.provider_keyword


@pytest.mark.parametrize("text", NOT_OPT_OUTS)
def test_ordinary_text_does_not_opt_out(text: str) -> None:
    match = classify(text)
    assert match is None or match.intent != "opt_out"


@pytest.mark.parametrize("text", POSSIBLE)
def test_a_possible_opt_out_is_flagged_not_applied(text: str) -> None:
    reading = read(text)
    assert reading.match is None and reading.possible_opt_out
    assert flag_of("inbound", "conversation", text) == "possible_opt_out"
    assert flag_of("outbound", "conversation", text) is None  # our own words are never flagged


def test_normalise_folds_accents_case_elongations_and_sms_spellings() -> None:
    assert normalise("  Pls STOPPP   txting me ") == "please stop texting me"
    assert normalise("No me envÍen MÁS msjs") == "no me envien mas mensajes"
    assert normalise("Don\u2019t") == "don't"


@pytest.mark.parametrize("filler", ["ya les dije ", "please ", "no thanks but ", "baja "])
def test_a_long_repetitive_message_is_read_without_backtracking_forever(filler: str) -> None:
    """Twilio allows 1,600 characters; a request is a short clause (MAX_REQUEST_WORDS), so a
    hostile run of politeness words is never handed whole to the patterns."""
    text = (filler * 200)[:1590] + " zzz"
    assert read(text).match is None
