"""DKIM signatures on outgoing mail with dkimpy, when a key is configured.

`ASSISTANT_DKIM_PRIVATE_KEY` (PEM text, or the path of a PEM file) and
`ASSISTANT_DKIM_SELECTOR` turn signing on; the d= domain is `ASSISTANT_DKIM_DOMAIN`, else the
domain of `ASSISTANT_EMAIL_FROM` (DMARC alignment wants them to match). The signature covers
the headers RFC 8058 asks for (List-Unsubscribe and List-Unsubscribe-Post) besides the usual
ones. Without a key nothing is signed here: the relay (most ESPs) signs instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dkim

from assistant.config import Settings

SIGNED_HEADERS = (
    b"From",
    b"To",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"In-Reply-To",
    b"References",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
    b"MIME-Version",
    b"Content-Type",
)


class DkimConfigError(ValueError):
    """The DKIM settings cannot sign; the message names the variable to fix."""


@dataclass(frozen=True)
class DkimSigner:
    """Signs wire-format messages as `domain` with `selector`."""

    selector: str
    domain: str
    private_key: bytes

    @classmethod
    def from_settings(cls, settings: Settings, sender_domain: str) -> DkimSigner | None:
        """A signer when a key and selector are set; None leaves signing to the relay."""
        email = settings.email
        if not email.dkim_configured or email.dkim_private_key is None:
            return None
        raw = email.dkim_private_key.get_secret_value().strip()
        if "-----BEGIN" in raw:
            key = raw.encode("ascii")
        else:
            try:
                key = Path(raw).expanduser().read_bytes()
            except OSError as exc:
                raise DkimConfigError(
                    f"ASSISTANT_DKIM_PRIVATE_KEY: cannot read the key file ({exc.strerror})"
                ) from None
        if b"PRIVATE KEY-----" not in key:
            raise DkimConfigError("ASSISTANT_DKIM_PRIVATE_KEY is not a PEM private key")
        domain = (email.dkim_domain or sender_domain).strip().lower()
        return cls(selector=(email.dkim_selector or "").strip(), domain=domain, private_key=key)

    def sign(self, wire: bytes) -> bytes:
        """`wire` with a DKIM-Signature header in front (relaxed/relaxed canonicalisation)."""
        present = {h.lower() for h in _header_names(wire)}
        headers = [h for h in SIGNED_HEADERS if h.lower() in present]
        signature = dkim.sign(
            wire,
            self.selector.encode("ascii"),
            self.domain.encode("ascii"),
            self.private_key,
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=headers,
        )
        return bytes(signature) + wire


def _header_names(wire: bytes) -> list[bytes]:
    head = wire.split(b"\r\n\r\n", 1)[0]
    return [
        line.split(b":", 1)[0].strip()
        for line in head.split(b"\r\n")
        if line and line[:1] not in (b" ", b"\t") and b":" in line
    ]
