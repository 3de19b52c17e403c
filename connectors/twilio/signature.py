"""Checks `X-Twilio-Signature` on webhooks with twilio's own `RequestValidator`.

Twilio signs the exact public URL it requested (query string included) plus the sorted POST
parameters, with the account auth token (HMAC-SHA1, base64). Behind a proxy or a
tunnel the URL our server sees differs from that one, so the URL is rebuilt from
`ASSISTANT_PUBLIC_URL` + the request path (+ query), never from the Host header or scheme
the app was reached on. Pass every form pair (`form.multi_items()`): `dict(form)` would drop
repeated keys and break the signature.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from twilio.request_validator import RequestValidator, get_signature_algorithm

from assistant.config import Settings

SIGNATURE_HEADER = "X-Twilio-Signature"
SIGNATURE_SETTINGS_HEADER = "X-Twilio-Webhooks-Signature-Settings"

log = logging.getLogger(__name__)


class TwilioSignatureConfigError(ValueError):
    """Signature checks cannot work: the message names the setting to fix."""


class TwilioSignatureValidator:
    """Validates webhook requests against `public_url` + path with the account auth token."""

    def __init__(self, auth_token: str, public_url: str) -> None:
        if not auth_token:
            raise TwilioSignatureConfigError(
                "TWILIO_AUTH_TOKEN is not set: Twilio webhooks cannot be verified"
            )
        if not public_url.startswith(("http://", "https://")):
            raise TwilioSignatureConfigError(
                f"ASSISTANT_PUBLIC_URL must be an absolute http(s) URL, not {public_url!r}"
            )
        self._validator = RequestValidator(auth_token)
        self._public_url = public_url.rstrip("/")

    @classmethod
    def from_settings(cls, settings: Settings) -> TwilioSignatureValidator:
        """A validator from TWILIO_AUTH_TOKEN and ASSISTANT_PUBLIC_URL."""
        token = settings.twilio.auth_token
        return cls(token.get_secret_value() if token else "", settings.app.public_url)

    def public_url_for(self, path: str, query: str = "") -> str:
        """The URL Twilio called for a request that reached us at `path` (+ `query`)."""
        url = self._public_url + "/" + path.lstrip("/")
        return f"{url}?{query}" if query else url

    def validate(self, url: str, params: Sequence[tuple[str, str]], signature: str) -> bool:
        """Whether `signature` (the X-Twilio-Signature header) signs `url` and the form.

        `url` is the public URL Twilio called (build it with `public_url_for`); `params` every
        form pair as received, repeated names kept. A missing or empty signature never passes.
        """
        return self._check(url, _MultiParams(params), signature)

    def validate_request(
        self,
        path: str,
        params: Sequence[tuple[str, str]],
        signature: str | None,
        *,
        query: str = "",
        signature_settings: str | None = None,
    ) -> bool:
        """`validate` for a request that reached us at `path` (+ `query`).

        `signature_settings` is the X-Twilio-Webhooks-Signature-Settings header, naming the
        algorithm when Twilio signs with HMAC-SHA256 instead of the default HMAC-SHA1.
        """
        return self._check(
            self.public_url_for(path, query), _MultiParams(params), signature, signature_settings
        )

    def validate_json(self, url: str, body: str, signature: str | None) -> bool:
        """A JSON-bodied webhook: `url` carries `bodySHA256`, checked against `body` too."""
        return self._check(url, body, signature)

    def sign(self, url: str, params: Sequence[tuple[str, str]]) -> str:
        """The signature Twilio would send for this request (tests and local tooling)."""
        return str(self._validator.compute_signature(url, _MultiParams(params)))

    def _check(
        self,
        url: str,
        params: _MultiParams | str,
        signature: str | None,
        signature_settings: str | None = None,
    ) -> bool:
        if not signature:
            return False
        try:
            algorithm = get_signature_algorithm(signature_settings)
            valid = self._validator.validate(url, params, signature, algorithm)
        except (TypeError, ValueError, UnicodeError) as exc:
            log.warning("twilio.signature_error", extra={"error": type(exc).__name__})
            return False
        return bool(valid)


class _MultiParams(dict[str, list[str]]):
    """Form pairs as the multi-dict `RequestValidator` reads (`getlist`), repeats kept."""

    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        for name, value in pairs:
            self.setdefault(name, []).append(value)

    def getlist(self, name: str) -> list[str]:
        return self[name]
