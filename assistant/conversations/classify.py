"""What a customer's message is, so that a suggested reply answers it in kind.

Deterministic and keyword-based: the text is normalised first (case, curly quotes,
punctuation, contractions, SMS spellings such as "thx" or "pls", small typos such as
"damagd" or "recieved", emoji and emoticons as positive or negative cues), then read with
a few patterns. Negation counts: "not happy" and "didn't arrive" are problems, "no problem"
and "nothing wrong" are not. When several kinds apply, the most pressing wins: a return
request, then a complaint, then an order-status question, then any other question, then
thanks. Both drafters get the result through the reply facts (`inbound`); the customer's
words themselves never become facts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any, Final

from assistant.drafting.guardrails.text import fold
from assistant.drafting.guardrails.text import words as word_list
from assistant.review.editdistance import levenshtein


class MessageKind(StrEnum):
    """The kinds of inbound message a reply answers differently."""

    COMPLAINT = "complaint"
    QUESTION = "question"
    THANKS = "thanks"
    ORDER_STATUS = "order_status"
    RETURN_REQUEST = "return_request"
    OTHER = "other"


# Facts about their order a question may ask for (a reply can answer these from the facts).
ORDER_DATE = "order_date"
ORDER_PRODUCT = "order_product"
ORDER_NUMBER = "order_number"


@dataclass(frozen=True)
class Classification:
    """The message's kind and the order facts it asks for, if any."""

    kind: MessageKind
    asks: tuple[str, ...] = ()

    def as_fact(self) -> dict[str, Any]:
        """The `inbound` section of the reply facts."""
        return {"kind": self.kind.value, "asks": list(self.asks)}


_POSITIVE_EMOJI: Final = frozenset(
    "\u2764\u263a\u2728\U0001f44d\U0001f44f\U0001f64c\U0001f64f\U0001f60a\U0001f60d\U0001f970"
    "\U0001f642\U0001f600\U0001f603\U0001f604\U0001f601\U0001f929\U0001f618\U0001f389"
    "\U0001f495\U0001f496\U0001f497\U0001f499\U0001f49a\U0001f49b\U0001f49c\U0001f9e1"
)
_NEGATIVE_EMOJI: Final = frozenset(
    "\u2639\U0001f621\U0001f620\U0001f92c\U0001f61e\U0001f622\U0001f62d\U0001f624\U0001f629"
    "\U0001f62b\U0001f641\U0001f615\U0001f44e\U0001f494\U0001f612\U0001f623\U0001f61f"
)
_EMOTICONS: Final = (
    (re.compile(r"(?<!\w)[:;]-?[)D]|<3"), " emojipos "),
    (re.compile(r"(?<!\w):-?[(/]|:'\("), " emojineg "),
)
_BREAK: Final = "|"
_CONTRACTIONS: Final = {
    "can't": "can not",
    "cant": "can not",
    "won't": "will not",
    "wont": "will not",
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "isnt": "is not",
    "wasnt": "was not",
    "hasnt": "has not",
    "havent": "have not",
    "arent": "are not",
    "werent": "were not",
    "couldnt": "could not",
    "wouldnt": "would not",
    "shouldnt": "should not",
    "aint": "is not",
    "whats": "what is",
    "wheres": "where is",
    "im": "i am",
    "ive": "i have",
}
_SUFFIXES: Final = {"s": "is", "re": "are", "m": "am", "ve": "have", "ll": "will", "d": "would"}
_SMS_WORDS: Final = {
    "thx": "thanks",
    "thnx": "thanks",
    "thanx": "thanks",
    "tx": "thanks",
    "ty": "thank you",
    "tysm": "thank you so much",
    "tyvm": "thank you very much",
    "thankyou": "thank you",
    "u": "you",
    "ur": "your",
    "r": "are",
    "pls": "please",
    "plz": "please",
    "pkg": "package",
    "rcvd": "received",
    "recd": "received",
    "nvr": "never",
    "b4": "before",
    "wat": "what",
    "wen": "when",
    "wer": "where",
}
_NEGATORS: Final = frozenset(
    {"not", "no", "never", "without", "nothing", "hardly", "barely", "nor", "neither"}
)
_NEGATION_REACH = 3  # a negator reaches this many words ahead, within its clause

# A problem stated outright ("broken", "never again"), unless negated ("nothing wrong").
_PROBLEM: Final = frozenset(
    word_list("""broken broke break breaks damaged damage dented dent cracked crack cracks chipped
    torn tore ripped leaking leaked leaks leak leaky smashed shattered scratched scratches
    stained faulty defective defect wrong missing incorrect mistake problem problems issue
    issues complaint complain disappointed disappointing disappointment unhappy upset angry
    annoyed frustrated frustrating terrible awful horrible worst bad poor useless rubbish
    junk mouldy moldy stale burnt spilled spilt rusty rusted warped delayed lost overcharged
    unacceptable ridiculous ruined unusable flimsy bent melted dead sucks crap peeling
    wobbly crushed squashed soggy emojineg""")
)
# Good words: thanks when meant, a problem when negated ("not happy", "not great").
_POSITIVE: Final = frozenset(
    word_list("""thank thanks cheers appreciate appreciated grateful love loved loving loves lovely
    great amazing awesome perfect perfectly wonderful fantastic brilliant excellent
    delicious beautiful gorgeous happy pleased delighted glad best nice superb stunning
    impressed emojipos""")
)
# Plain words that only say something negated: "not good", "isn't right".
_NEGATED_ONLY: Final = frozenset({"good", "right", "ok", "okay", "satisfied", "fine"})
_NOT_SENTIMENT: Final = frozenset({"thank", "thanks", "cheers", "emojipos"})
# Things that should happen; negated, they are the problem ("didn't arrive", "won't work").
_FUNCTIONS: Final = frozenset(
    word_list("""work works working worked arrive arrived arriving come came fit fits close
    closes seal seals heat heats turn start starts charge charges receive received get got deliver
    delivered show showed match matches ship shipped""")
)
_TYPO_TARGETS: Final = tuple(
    sorted(
        {w for w in _PROBLEM | _POSITIVE | _FUNCTIONS if len(w) >= 5 and w.isalpha()}
        | set(
            word_list("""refund return exchange replacement replace tracking package parcel delivery
            thanks received arrived ordered purchase question""")
        )
    )
)
# Real words one letter away from a target, never "corrected" into it.
_REAL_WORDS: Final = frozenset(
    word_list("""older later latte lover lovers cover covers rover world happen thinks think hours
    house there these those where whose whole while greet sweet start store stare shore
    short sport spare share three threw through though bread brand broad board cheer
    cheese crate trace trick brake brave grave crave perfume please phone shipping""")
)

_RETURN_REQUEST: Final = re.compile(
    r"\b(?:return|returning|exchange|exchanging|swap|refund|refunds)\b|"
    r"\b(?:send|sending|take|taking|ship|post) (?:it|this|them|these|that|those|the \w+) back\b|"
    r"\b(?:send|sending|take|taking) back\b|\bmoney back\b"
)
# The return already happened: "refund" then asks where the money is, a problem.
_RETURN_DONE: Final = re.compile(
    r"\b(?:returned|refunded|sent (?:(?:it|this|them|these|that|the \w+) )?back)\b|"
    r"\b(?:where|still|status) (?:\w+ ){0,3}?refund\b"
)
# "Can you send another?" after something went wrong; "can I get another in blue?" is not.
_REPLACEMENT: Final = re.compile(
    r"\b(?:send|sending|resend) (?:me |us )?(?:another|a new one|a replacement)\b|"
    r"\breplacement\b"
)
# "Late" is a problem about a delivery ("arrived late", "my order is late"), not "home late".
_LATE_AFTER: Final = frozenset(
    word_list("arrived came is was are running delivered very so really always delivery")
)
_STATUS: Final = (
    r"\bwhere (?:is|are) (?:my|the|our) (?:\w+ )?"
    r"(?:order|orders|package|packages|parcel|delivery|shipment|box|stuff|items?)\b",
    r"\btrack(?:ing)?\b",
    r"\b(?:has|have|did|is|was|were) (?:my |the |our )?"
    r"(?:order|package|parcel|it|they|delivery|shipment)(?: been)? "
    r"(?:ship|shipped|dispatched|sent|posted|left|go out|gone out)\b",
    r"\bwhen (?:will|does|should|can|is|do|would|might|are) (?:\w+ ){0,6}?"
    r"(?:arrive|arriving|ship|shipping|shipped|deliver|delivered|dispatch|dispatched|"
    r"get here|be here|receive|expect|come|coming|be sent|go out)\b",
    r"\b(?:order|delivery|shipping) (?:status|update)\b",
    r"\b(?:status|update|news) (?:of|on) (?:my|the|our) (?:order|package|parcel|delivery)\b",
    r"\beta\b",
    r"\bestimated (?:delivery|arrival)\b",
    r"\bout for delivery\b",
    r"\bon (?:its|it is) way\b",
    r"\bshipping confirmation\b",
)
_STATUS_RE: Final = re.compile("|".join(_STATUS))
_ASKS: Final = (
    (
        ORDER_DATE,
        re.compile(
            r"\bwhen (?:did|do|was|were) (?:i|we) (?:\w+ )?(?:order|buy|purchase|get|place)\b|"
            r"\bwhat (?:date|day) (?:did|was) (?:i|we|my order)\b|"
            r"\bwhen was (?:my|our) (?:last )?order\b"
        ),
    ),
    (
        ORDER_PRODUCT,
        re.compile(
            r"\bwhat (?:did|do|was it|have) (?:i|we) (?:\w+ )?"
            r"(?:order|ordered|buy|bought|get|got)\b|"
            r"\bwhich (?:one|product|item|size|model|colou?r|kind) (?:did|was it) (?:i|we)\b|"
            r"\bwhat (?:was|is) (?:in )?(?:my|our) (?:last )?order\b"
            r"(?! (?:number|no|num|ref|id)\b)"
        ),
    ),
    (
        ORDER_NUMBER,
        re.compile(r"\border (?:number|no|num|ref|reference|id)\b"),
    ),
)
_QUESTION_WORDS: Final = frozenset(word_list("what when where how why who which any wondering"))
# "Do you...", "Is it...": a question; "Do not text me", "Will do": not one.
_AUXILIARIES: Final = frozenset(
    word_list("can could do does did is are will would should may have has was were")
)
_SUBJECTS: Final = frozenset(
    word_list("""i you we it they he she this that these those there the my your our a an any
    someone anyone anything""")
)
_QUESTION_PHRASES: Final = re.compile(
    r"\b(?:wondering|wonder) (?:if|whether)\b|\bcan you tell me\b|\bdo you know\b|"
    r"\blet me know (?:if|whether|when|how|what)\b|\bis there (?:a|any) way\b"
)


def _emoji_cues(text: str) -> str:
    out: list[str] = []
    for char in text:
        if char in _POSITIVE_EMOJI:
            out.append(" emojipos ")
        elif char in _NEGATIVE_EMOJI:
            out.append(" emojineg ")
        elif unicodedata.category(char) in ("So", "Sk", "Mn", "Cf"):
            out.append(" ")  # other pictographs, variation selectors, joiners
        else:
            out.append(char)
    return "".join(out)


@lru_cache(maxsize=4096)
def _corrected(word: str) -> str:
    """`word`, or the one cue word it is a small typo of ("damagd" -> "damaged")."""
    if len(word) < 5 or not word.isalpha() or word in _REAL_WORDS or word in _TYPO_TARGETS:
        return word
    allowed = 1 if len(word) < 8 else 2
    best: list[tuple[int, str]] = []
    for target in _TYPO_TARGETS:
        if abs(len(target) - len(word)) > allowed or target[0] != word[0]:
            continue
        distance = levenshtein(word, target)
        if distance <= allowed:
            best.append((distance, target))
    best.sort()
    if not best or (len(best) > 1 and best[0][0] == best[1][0]):
        return word  # nothing close, or two cues equally close: leave it
    return best[0][1]


def _expand(token: str) -> list[str]:
    if token in _CONTRACTIONS:
        return _CONTRACTIONS[token].split()
    if token in _SMS_WORDS:
        return _SMS_WORDS[token].split()
    if token.endswith("n't"):
        stem = token[:-3]
        return [{"ca": "can", "wo": "will", "sha": "shall"}.get(stem, stem), "not"]
    head, apostrophe, tail = token.partition("'")
    if apostrophe:
        return [head, _SUFFIXES[tail]] if tail in _SUFFIXES else [head]
    return [_corrected(token)]


def normalise(text: str) -> list[str]:
    """The message as lower-case words, with `|` between clauses and emoji as cue words."""
    text = fold(unicodedata.normalize("NFKC", text))
    for pattern, cue in _EMOTICONS:
        text = pattern.sub(cue, text)
    text = _emoji_cues(text).casefold()
    text = re.sub(r"[.!?;,:()\n]+|\s-\s|\bbut\b", f" {_BREAK} ", text)
    words: list[str] = []
    for token in re.findall(r"[a-z0-9#]+(?:'[a-z]+)?|\|", text):
        words.extend(_expand(token))
    return words


def _negated(words: list[str], index: int) -> bool:
    for back in range(1, _NEGATION_REACH + 1):
        if index - back < 0 or words[index - back] == _BREAK:
            return False
        if words[index - back] in _NEGATORS:
            return True
    return False


@dataclass(frozen=True)
class _Cues:
    problem: bool
    positive: bool


def _cues(words: list[str]) -> _Cues:
    problem = positive = False
    for index, word in enumerate(words):
        negated = _negated(words, index)
        if word in _PROBLEM and not negated:
            problem = True
        elif word in _POSITIVE:
            if not negated:
                positive = True
            elif word not in _NOT_SENTIMENT:
                problem = True  # "not happy", "not great"
        elif negated and (word in _FUNCTIONS or word in _NEGATED_ONLY):
            problem = True  # "didn't arrive", "does not work"
        elif word == "still" and "not" in words[index + 1 : index + 4]:
            problem = True  # "still hasn't shipped"
        elif word == "late" and index > 0 and words[index - 1] in _LATE_AFTER:
            problem = True  # "arrived late"; "too late to change it?" is a question
    return _Cues(problem, positive)


def _is_question(raw: str, words: list[str], joined: str) -> bool:
    if "?" in raw or _QUESTION_PHRASES.search(joined):
        return True
    starts = [0] + [i + 1 for i, word in enumerate(words) if word == _BREAK]
    for i in starts:
        opener = words[i] if i < len(words) else ""
        following = words[i + 1] if i + 1 < len(words) else ""
        if opener in _QUESTION_WORDS or (opener in _AUXILIARIES and following in _SUBJECTS):
            return True
    return False


def _asks(joined: str) -> tuple[str, ...]:
    return tuple(name for name, pattern in _ASKS if pattern.search(joined))


def classify(text: str) -> Classification:
    """The kind of the customer's message `text` (OTHER when nothing tells)."""
    words = normalise(text)
    joined = " ".join(words)
    cues = _cues(words)
    done = _RETURN_DONE.search(joined) is not None
    if _RETURN_REQUEST.search(joined) and not done:
        return Classification(MessageKind.RETURN_REQUEST)
    if cues.problem or done or _REPLACEMENT.search(joined):
        return Classification(MessageKind.COMPLAINT)
    if _STATUS_RE.search(joined):
        return Classification(MessageKind.ORDER_STATUS, _asks(joined))
    if _is_question(text, words, joined):
        return Classification(MessageKind.QUESTION, _asks(joined))
    if cues.positive:
        return Classification(MessageKind.THANKS)
    return Classification(MessageKind.OTHER)


def latest_customer_text(messages: Iterable[Any]) -> str:
    """The text of the newest customer message in a conversation tail (oldest first)."""
    for message in reversed(list(messages)):
        if isinstance(message, Mapping) and message.get("from") == "customer":
            return str(message.get("text") or "")
    return ""


def with_inbound(facts: Mapping[str, Any]) -> dict[str, Any]:
    """Reply facts stored before `inbound` existed, with it added from their conversation."""
    found = dict(facts)
    turns = facts.get("conversation")
    if "inbound" not in found and isinstance(turns, list):
        found["inbound"] = classify(latest_customer_text(turns)).as_fact()
    return found
