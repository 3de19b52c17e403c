"""Reading an inbound message for an opt-out: the rules first, then (maybe) a language model.

The rules (`keywords.classify`) decide every clear case. A message they call a possible
opt-out ("stop sending so many", "too many texts") is, with a model configured, asked about
once more: the model may turn it into an opt-out, never the other way, and any failure
(timeout, refusal, a reply that is not yes or no) leaves the rules' answer, flag included.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from assistant.conversations.keywords import Match, classify, language_of, possible_opt_out
from assistant.ports import OptOutClassifier

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reading:
    """What an inbound message asks for, and whether staff should see it flagged."""

    match: Match | None
    possible_opt_out: bool = False


def read(text: str) -> Reading:
    """The rules' reading: a keyword or request, a possible opt-out (flagged), or nothing."""
    match = classify(text)
    if match is not None:
        return Reading(match)
    return Reading(None, possible_opt_out(text))


def ask_model(text: str, reading: Reading, classifier: OptOutClassifier | None) -> Reading:
    """`reading`, or an opt-out when the model says a possible opt-out is one."""
    if classifier is None or not reading.possible_opt_out:
        return reading
    try:
        verdict = classifier.is_opt_out(text)
    except Exception as exc:  # any model failure: the rules stand, the flag stays
        log.warning("conversations.opt_out_model_failed error=%s", type(exc).__name__)
        return reading
    log.info("conversations.opt_out_model verdict=%s", verdict)
    if not verdict:
        return reading
    return Reading(Match("opt_out", language=language_of(text), by_model=True))


# What staff see on a flagged message (Slack thread, terminal, API `flag`).
POSSIBLE_OPT_OUT = "possible_opt_out"
POSSIBLE_OPT_OUT_NOTE = (
    "Possible opt-out: read it before replying (the customer is still subscribed; "
    "opt them out if that is what they asked)."
)


def flag_of(direction: str, kind: str, body: str) -> str | None:
    """`possible_opt_out` for a customer's conversation message close to an opt-out, else
    None. Read from the stored text by the rules (the model only ever turns such a message
    into an opt-out, which is then a `system` message, so the rules' flag stands)."""
    if direction != "inbound" or kind != "conversation" or not possible_opt_out(body):
        return None
    return POSSIBLE_OPT_OUT
