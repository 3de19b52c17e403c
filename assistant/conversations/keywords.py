"""What an inbound SMS asks for: opt out, opt back in, help, or nothing (a conversation).

Keywords (the carriers' and Twilio's opt-out, opt-in and help lists) count when they are
the whole message, ignoring case, spaces and punctuation: "Stop.", " stop ", "STOP ALL", "opt-out".
Twilio itself matches single words only, but US rules accept an opt-out "by any reasonable
means", so clear free-text requests opt out too ("please stop texting me", "unsubscribe me",
"don't text me anymore"). The free-text patterns are precise on purpose: a clause must be an
opt-out request from its first word to its last (politeness aside), so "stop by the store",
"can't stop using it", "don't stop texting me" or "stop texting me at 6am" do not opt out
(a person sees those in the conversation).

Spanish counts the same way: the keywords BAJA, ALTO, PARAR and CANCELAR (Twilio does not
know them, so we confirm them ourselves) and free text ("no me envíen más mensajes",
"quítenme de la lista"). The phrases live in `opt_out_phrases`. A message close to an
opt-out that is not one ("can you stop the order?", "too many texts") is a
`possible_opt_out`: it stays a conversation message, flagged for staff.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final, Literal

from assistant.conversations import opt_out_phrases as phrases

Intent = Literal["opt_out", "opt_in", "help"]
Language = Literal["en", "es"]

OPT_OUT_KEYWORDS: Final = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
# YES only counts from someone opted out (see `Match.ambiguous`): otherwise it answers a question.
OPT_IN_KEYWORDS: Final = frozenset({"START", "UNSTOP", "YES"})
HELP_KEYWORDS: Final = frozenset({"HELP", "INFO"})
AMBIGUOUS_KEYWORDS: Final = frozenset({"YES"})


@dataclass(frozen=True)
class Match:
    """What a message asks for: `keyword` is the keyword (upper case), or None for free text."""

    intent: Intent
    keyword: str | None = None
    language: Language = "en"
    by_model: bool = False  # a free-text request the language model recognised (ambiguous)

    @property
    def free_text(self) -> bool:
        return self.keyword is None

    @property
    def provider_keyword(self) -> bool:
        """A keyword the SMS provider (Twilio) answers itself: the English carrier lists."""
        return self.keyword in OPT_OUT_KEYWORDS | OPT_IN_KEYWORDS | HELP_KEYWORDS

    @property
    def ambiguous(self) -> bool:
        """A keyword that is also an everyday answer (YES): it opts in only the opted out."""
        return self.keyword in AMBIGUOUS_KEYWORDS


_ELONGATED: Final = re.compile(r"([^\W\d_])\1{2,}")
_WORD: Final = re.compile(r"[\w'-]+")
_APOSTROPHES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "`": "'"})


def normalise(text: str) -> str:
    """Lower case, no accents, straight apostrophes, letters repeated 3+ times cut to one,
    SMS spellings spelled out ("Pls STOPPP txting" → "please stop texting"), spaces collapsed."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).lower()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _ELONGATED.sub(r"\1", text)
    text = _WORD.sub(lambda word: phrases.SPELLINGS.get(word[0], word[0]), text)
    return " ".join(text.split())


def keyword_of(text: str) -> str | None:
    """The message as a keyword candidate: letters only, upper case ("opt-out!" → OPTOUT)."""
    text = unicodedata.normalize("NFKC", text)
    if any(ch.isdigit() for ch in text):
        return None  # "stop 2", "end 10/12": not a keyword as the carriers read them
    letters = "".join(ch for ch in text if ch.isalpha())
    return letters.upper() or None


_EN_REQUEST: Final = re.compile(
    rf"{phrases.EN_BEFORE}(?:{'|'.join(phrases.EN_REQUESTS)}){phrases.EN_AFTER}"
)
_ES_REQUEST: Final = re.compile(
    rf"{phrases.ES_BEFORE}(?:{'|'.join(phrases.ES_REQUESTS)}){phrases.ES_AFTER}"
)
# Words a clause may have and still be read as a request (the longest real ones have ~15).
MAX_REQUEST_WORDS: Final = 30
_POSSIBLE: Final = re.compile("|".join([*phrases.EN_POSSIBLE, *phrases.ES_POSSIBLE]))
# Clauses: sentences and comma-separated parts ("Hi, please stop texting me. Thanks").
_CLAUSES: Final = re.compile(r"[.!?;,:()\n]+|\s+-\s+")


def _unword(text: str) -> str:
    """Letters, digits and apostrophes only, single spaces."""
    return " ".join(re.sub(r"[^\w\s']", " ", text).split()).strip(" '")


def language_of(text: str) -> Language:
    """`es` when the message has more Spanish words than English ones, else `en`."""
    words = _unword(normalise(text)).split()
    spanish = sum(word in phrases.SPANISH_WORDS for word in words)
    english = sum(word in phrases.ENGLISH_WORDS for word in words)
    return "es" if spanish > english else "en"


def _free_text_language(text: str) -> Language | None:
    """The language of the first clause that is an opt-out request, or None."""
    for clause in _CLAUSES.split(normalise(text)):
        clause = _unword(clause)
        if not clause or clause.count(" ") >= MAX_REQUEST_WORDS:
            continue  # a request is short; a long clause also bounds the patterns' work
        if _EN_REQUEST.fullmatch(clause):
            return language_of(text)
        if _ES_REQUEST.fullmatch(clause):
            return "es"
    return None


def is_free_text_opt_out(text: str) -> bool:
    """Whether some clause of the message is, word for word, a request to stop texting."""
    return _free_text_language(text) is not None


def possible_opt_out(text: str) -> bool:
    """Not an opt-out, but close to one ("can you stop the order?", "too many texts"):
    staff should see it flagged before anyone replies."""
    match = classify(text)
    if match is not None and match.intent == "opt_out":
        return False
    return _POSSIBLE.search(_unword(normalise(text))) is not None


def classify(text: str) -> Match | None:
    """The message's intent; None for an ordinary message (it joins the conversation)."""
    word = keyword_of(text)
    if word is not None and len(word) <= len("UNSUBSCRIBE"):
        if word in OPT_OUT_KEYWORDS:
            return Match("opt_out", word)
        if word in OPT_IN_KEYWORDS:
            return Match("opt_in", word)
        if word in HELP_KEYWORDS:
            return Match("help", word)
        if word in phrases.SPANISH_KEYWORDS:
            return Match("opt_out", word, "es")
    language = _free_text_language(text)
    if language is not None:
        return Match("opt_out", language=language)
    return None
