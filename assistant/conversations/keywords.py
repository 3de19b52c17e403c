"""What an inbound SMS asks for: opt out, opt back in, help, or nothing (a conversation).

Keywords (the carriers' and Twilio's opt-out, opt-in and help lists) count when they are
the whole message, ignoring case, spaces and punctuation: "Stop.", " stop ", "STOP ALL", "opt-out".
Twilio itself matches single words only, but US rules accept an opt-out "by any reasonable
means", so clear free-text requests opt out too ("please stop texting me", "unsubscribe me",
"don't text me anymore"). The free-text patterns are precise on purpose: a clause must be an
opt-out request from its first word to its last (politeness aside), so "stop by the store",
"can't stop using it", "don't stop texting me" or "stop texting me at 6am" do not opt out
(a person sees those in the conversation).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final, Literal

Intent = Literal["opt_out", "opt_in", "help"]

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

    @property
    def free_text(self) -> bool:
        return self.keyword is None

    @property
    def ambiguous(self) -> bool:
        """A keyword that is also an everyday answer (YES): it opts in only the opted out."""
        return self.keyword in AMBIGUOUS_KEYWORDS


_APOSTROPHES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "`": "'"})


def _fold(text: str) -> str:
    """Lower case, straight apostrophes, compatibility forms folded, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).lower()
    return " ".join(text.split())


def keyword_of(text: str) -> str | None:
    """The message as a keyword candidate: letters only, upper case ("opt-out!" → OPTOUT)."""
    text = unicodedata.normalize("NFKC", text)
    if any(ch.isdigit() for ch in text):
        return None  # "stop 2", "end 10/12": not a keyword as the carriers read them
    letters = "".join(ch for ch in text if ch.isalpha())
    return letters.upper() or None


# Politeness and small talk around a request: "hi, please ...", "... now, thanks".
_BEFORE = (
    r"(?:(?:hi|hey|hello|ok|okay|sorry|please|pls|plz|kindly|just|can you|could you|would you|"
    r"will you|can u|could u|i want you to|i'd like you to|i need you to|you need to|"
    r"i'm asking you to|i am asking you to)\s+)*"
)
_AFTER = (
    r"(?:\s+(?:please|pls|plz|now|right now|anymore|any more|again|ever again|from now on|"
    r"thanks|thank you|thx|ty|asap|immediately|at all|for good|to this number|on this number|"
    r"here|ok|okay|already|though|tho|as well|too))*"
)
_ME = r"(?:\s+(?:to\s+)?me)?"
_MESSAGES = r"(?:texts?|txts?|messages?|msgs?|sms|these|them|this|marketing|promotions?)"
_REQUESTS: Final = (
    # stop texting me / stop sending me texts / stop the messages / quit messaging me
    rf"(?:stop|quit|cease)\s+(?:all\s+)?(?:texting|txting|messaging|contacting|spamming|"
    rf"bothering|sending)(?:\s+me)?(?:\s+(?:these|the|your|any|all))?(?:\s+{_MESSAGES})?{_ME}",
    rf"(?:stop|quit|cease|end)\s+(?:all\s+|the\s+|these\s+|your\s+)?{_MESSAGES}",
    # don't text me / do not message me / never contact me
    r"(?:don't|dont|do not|never|please don't|pls don't)\s+(?:ever\s+)?(?:text|txt|message|msg|"
    r"sms|contact)\s+me",
    # no more texts
    rf"no\s+more\s+(?:{_MESSAGES}|texting|messaging)",
    # unsubscribe me / unsubscribe me from this list / opt me out
    r"(?:unsubscribe|unsub|opt\s*out)(?:\s+me)?(?:\s+(?:from|of)\s+(?:this|these|your|the|all)"
    r"(?:\s+\w+)?)?",
    r"opt\s+me\s+out(?:\s+(?:of|from)\s+(?:this|these|your|the|all)(?:\s+\w+)?)?",
    # remove me / take me off your list
    r"(?:remove|take)\s+me(?:\s+(?:off|from)\s+(?:this|these|your|the|all|ur)(?:\s+\w+){0,2})?",
    # i don't want these texts / i want to unsubscribe / i no longer want texts
    rf"i\s+(?:don't|dont|do not|no longer)\s+want\s+(?:any\s+more\s+|any\s+|these\s+|your\s+|"
    rf"the\s+|to\s+(?:get|receive)\s+(?:any\s+|these\s+|your\s+)?)?{_MESSAGES}",
    r"i\s+(?:want|would like|'d like|wish|need)\s+to\s+(?:unsubscribe|opt\s*out|stop\s+"
    rf"(?:receiving|getting)\s+(?:{_MESSAGES}|your\s+{_MESSAGES}))",
    r"leave\s+me\s+alone",
    # a lone "stop" or "unsubscribe" with politeness around it ("stop please", "please stop")
    r"stop|stop\s+it|unsubscribe|stopall|stop\s+all",
)
_REQUEST: Final = re.compile(rf"{_BEFORE}(?:{'|'.join(_REQUESTS)}){_AFTER}")
# Clauses: sentences and comma-separated parts ("Hi, please stop texting me. Thanks").
_CLAUSES: Final = re.compile(r"[.!?;,\n]+|\s+-\s+")


def is_free_text_opt_out(text: str) -> bool:
    """Whether some clause of the message is, word for word, a request to stop texting."""
    folded = _fold(text)
    for clause in _CLAUSES.split(folded):
        words = re.sub(r"[^\w\s']", " ", clause)
        clause = " ".join(words.split()).strip(" '")
        if clause and _REQUEST.fullmatch(clause):
            return True
    return False


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
    if is_free_text_opt_out(text):
        return Match("opt_out")
    return None
