"""An inbound email as the conversation needs it: who, what it answers, and only the new text.

Parsed with the standard library's `email` package (policy.default). The reply text is the
plain part (else the HTML part as text), with the quoted history and the signature cut off
by simple rules that cover the common mail clients: the first "On <date>, <name> wrote:"
line (also split over two lines), "-----Original Message-----", an Outlook "From:" block,
a run of lines quoted with ">", the "-- " signature delimiter and "Sent from my ..." lines.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses

MAX_REPLY_CHARS = 5000
_ID = re.compile(r"<[^<>\s]+>")
_ATTRIBUTION = re.compile(
    r"^\s*(on\s.{0,200}\s(wrote|schrieb|a écrit|escribió)\s*:|"
    r"-{2,}\s*(original message|forwarded message)\s*-{2,}|"
    r"_{10,}|"
    r"from:\s.+)\s*$",
    re.IGNORECASE,
)
_TWO_LINE_ATTRIBUTION = re.compile(r"^\s*on\s.{0,200}$", re.IGNORECASE)
_SENT_FROM = re.compile(r"^\s*(sent from my|get outlook for)\b", re.IGNORECASE)
_TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.IGNORECASE | re.DOTALL)
_BREAKS = re.compile(r"<\s*(br|/p|/div|/li|/tr)\b[^>]*>", re.IGNORECASE)


@dataclass(frozen=True)
class InboundEmail:
    """One customer email: its Message-ID, sender, the ids it answers, and its new text."""

    message_id: str | None
    from_address: str
    to_address: str | None
    subject: str
    text: str
    references: list[str] = field(default_factory=list)

    def key(self) -> str:
        """Our provider_message_id for it (fits 64 characters): its Message-ID, hashed; a
        mail without one is keyed by what it says, so a repeated delivery is still one."""
        basis = self.message_id or "\n".join((self.from_address.lower(), self.subject, self.text))
        return "email:" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:40]


def message_ids(value: str | None) -> list[str]:
    """The `<id>`s in a Message-ID, In-Reply-To or References header, in order."""
    return _ID.findall(value or "")


def first_address(value: str | None) -> str:
    """The bare address of the first mailbox in a From/To header ('' when none)."""
    found = [address for _, address in getaddresses([value or ""]) if "@" in address]
    return found[0].strip().lower() if found else ""


def html_as_text(markup: str) -> str:
    """Readable text of an HTML part: line breaks kept, tags and entities gone."""
    return html.unescape(_TAGS.sub("", _BREAKS.sub("\n", markup)))


def reply_text(text: str) -> str:
    """The new part of a reply: quoted history and signature cut off, at most 5,000 chars."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if _ATTRIBUTION.match(line) and (kept or not line.lower().lstrip().startswith("from:")):
            break
        if _TWO_LINE_ATTRIBUTION.match(line) and re.search(r"wrote:\s*$", following, re.I):
            break
        if line.rstrip() == "--" or line == "-- " or _SENT_FROM.match(line):
            break
        if line.lstrip().startswith(">"):
            # A quoted block ends the reply once the rest is quoted or blank.
            rest = [rest for rest in lines[index:] if rest.strip()]
            if all(r.lstrip().startswith(">") for r in rest):
                break
            continue
        kept.append(line)
    body = "\n".join(kept).strip()
    body = re.sub(r"\n{3,}", "\n\n", body)
    return body[:MAX_REPLY_CHARS]


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    return html_as_text(content) if part.get_content_type() == "text/html" else content


def parse_message(raw: bytes) -> InboundEmail:
    """An RFC 5322 message (as an inbound-parse service or IMAP hands it over)."""
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    ids = message_ids(str(message.get("Message-ID", "")))
    references = message_ids(str(message.get("In-Reply-To", ""))) + message_ids(
        str(message.get("References", ""))
    )
    return InboundEmail(
        message_id=ids[0] if ids else None,
        from_address=first_address(str(message.get("From", ""))),
        to_address=first_address(str(message.get("To", ""))) or None,
        subject=str(message.get("Subject", "")).strip(),
        text=reply_text(_body(message)),
        references=list(dict.fromkeys(references)),
    )


def parse_fields(fields: dict[str, str]) -> InboundEmail:
    """The parsed fields an inbound-parse webhook posts (SendGrid: from, to, subject, text,
    headers; Mailgun: sender, subject, body-plain, Message-Id, In-Reply-To, References)."""
    headers = message_from_bytes(
        fields.get("headers", "").encode("utf-8", "replace"), policy=policy.default
    )

    def header(name: str) -> str:
        return fields.get(name) or fields.get(name.lower()) or str(headers.get(name, "") or "")

    text = fields.get("text") or fields.get("body-plain") or ""
    if not text.strip() and fields.get("html"):
        text = html_as_text(fields["html"])
    ids = message_ids(header("Message-Id") or header("Message-ID"))
    references = message_ids(header("In-Reply-To")) + message_ids(header("References"))
    return InboundEmail(
        message_id=ids[0] if ids else None,
        from_address=first_address(fields.get("from") or fields.get("sender") or ""),
        to_address=first_address(fields.get("to") or fields.get("recipient") or "") or None,
        subject=(fields.get("subject") or "").strip(),
        text=reply_text(text),
        references=list(dict.fromkeys(references)),
    )
