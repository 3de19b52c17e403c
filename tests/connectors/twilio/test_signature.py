"""X-Twilio-Signature checks: Twilio's official vectors and requests signed by its SDK."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from assistant.config import get_settings
from assistant.ports import SignatureValidator
from connectors.twilio.signature import (
    SIGNATURE_HEADER,
    TwilioSignatureConfigError,
    TwilioSignatureValidator,
)

# Official vectors, from twilio's own test suites.
VECTOR_TOKEN = "12345"
VECTOR_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
VECTOR_PARAMS = [
    ("CallSid", "CA1234567890ABCDE"),
    ("Caller", "+14158675309"),
    ("Digits", "1234"),
    ("From", "+14158675309"),
    ("To", "+18005551212"),
]
BODY_HASH = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"

TOKEN = "a-real-looking-twilio-auth-token-32c"
PUBLIC_URL = "https://shop.example.com"
PATH = "/webhooks/twilio/sms"
INBOUND = [
    ("MessageSid", "SM" + "1" * 32),
    ("AccountSid", "AC" + "2" * 32),
    ("From", "+14155550123"),
    ("To", "+15005550006"),
    ("Body", "STOP"),
    ("NumMedia", "0"),
]


def _twilio_signs(url: str, params: list[tuple[str, str]], token: str = TOKEN) -> str:
    """What Twilio sends: computed by the SDK's own RequestValidator, not by our code."""
    multi: dict[str, list[str]] = {}
    for name, value in params:
        multi.setdefault(name, []).append(value)

    class _Multi(dict[str, list[str]]):
        def getlist(self, name: str) -> list[str]:
            return self[name]

    return str(RequestValidator(token).compute_signature(url, _Multi(multi)))


def test_fits_the_port() -> None:
    assert isinstance(TwilioSignatureValidator(TOKEN, PUBLIC_URL), SignatureValidator)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (VECTOR_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        (
            [(k, "+12349013030") if k in ("Caller", "From") else (k, v) for k, v in VECTOR_PARAMS],
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
        ),
    ],
)
def test_official_form_vectors(params: list[tuple[str, str]], expected: str) -> None:
    validator = TwilioSignatureValidator(VECTOR_TOKEN, "https://mycompany.com")
    assert validator.sign(VECTOR_URL, params) == expected
    assert validator.validate(VECTOR_URL, params, expected)
    assert validator.validate_request("/myapp.php", params, expected, query="foo=1&bar=2")


def test_official_vector_with_repeated_parameters() -> None:
    validator = TwilioSignatureValidator(VECTOR_TOKEN, "https://mycompany.com")
    params = [
        ("Sid", "CA123"),
        ("SidAccount", "AC123"),
        ("Digits", "5678"),
        ("Digits", "1234"),
        ("Digits", "1234"),
    ]
    assert validator.validate(VECTOR_URL, params, "IK+Dwps556ElfBT0I3Rgjkr1wJU=")
    # Keeping only the last value, as dict(form) would, breaks it.
    assert not validator.validate(
        VECTOR_URL, list(dict(params).items()), "IK+Dwps556ElfBT0I3Rgjkr1wJU="
    )


def test_official_json_body_vector() -> None:
    validator = TwilioSignatureValidator(VECTOR_TOKEN, "https://mycompany.com")
    url = f"{VECTOR_URL}&bodySHA256={BODY_HASH}"
    body = '{"property": "value", "boolean": true}'
    assert validator.validate_json(url, body, "a9nBmqA0ju/hNViExpshrM61xv4=")
    assert not validator.validate_json(
        url, body.replace("true", "false"), "a9nBmqA0ju/hNViExpshrM61xv4="
    )


def test_a_request_signed_by_twilio_passes() -> None:
    validator = TwilioSignatureValidator(TOKEN, PUBLIC_URL)
    url = validator.public_url_for(PATH)
    assert url == "https://shop.example.com/webhooks/twilio/sms"
    assert validator.validate(url, INBOUND, _twilio_signs(url, INBOUND))
    # Twilio may sign with the default port spelled out; the SDK accepts both.
    with_port = "https://shop.example.com:443/webhooks/twilio/sms"
    assert validator.validate(url, INBOUND, _twilio_signs(with_port, INBOUND))


def test_a_tampered_parameter_fails() -> None:
    validator = TwilioSignatureValidator(TOKEN, PUBLIC_URL)
    url = validator.public_url_for(PATH)
    signature = _twilio_signs(url, INBOUND)
    tampered = [(k, "START" if k == "Body" else v) for k, v in INBOUND]
    added = [*INBOUND, ("Extra", "1")]
    assert not validator.validate(url, tampered, signature)
    assert not validator.validate(url, added, signature)


@pytest.mark.parametrize(
    "signed_url",
    [
        "https://shop.example.com/webhooks/twilio/status",  # another endpoint
        "https://evil.example.com/webhooks/twilio/sms",  # another host
        "http://shop.example.com/webhooks/twilio/sms",  # another scheme
        "https://shop.example.com/webhooks/twilio/sms?x=1",  # a query added
    ],
)
def test_a_signature_for_another_url_fails(signed_url: str) -> None:
    validator = TwilioSignatureValidator(TOKEN, PUBLIC_URL)
    assert not validator.validate(
        validator.public_url_for(PATH), INBOUND, _twilio_signs(signed_url, INBOUND)
    )


def test_another_token_or_a_missing_header_fails() -> None:
    validator = TwilioSignatureValidator(TOKEN, PUBLIC_URL)
    url = validator.public_url_for(PATH)
    assert not validator.validate(url, INBOUND, _twilio_signs(url, INBOUND, token="other-token"))
    assert not validator.validate(url, INBOUND, "")
    assert not validator.validate_request(PATH, INBOUND, None)
    assert not validator.validate(url, INBOUND, "not base64 at all")


def test_behind_a_proxy_the_public_url_is_what_counts() -> None:
    """A real HTTP request reaching the app as http://testserver, signed for the public URL."""
    validator = TwilioSignatureValidator(TOKEN, PUBLIC_URL + "/")
    app = FastAPI()

    @app.post(PATH)
    async def inbound(request: Request) -> Response:
        pairs = parse_qsl((await request.body()).decode(), keep_blank_values=True)
        ok = validator.validate_request(
            request.url.path, pairs, request.headers.get(SIGNATURE_HEADER), query=request.url.query
        )
        return Response(status_code=204 if ok else 403)

    client = TestClient(app)
    public = f"{PUBLIC_URL}{PATH}"
    body = urlencode(INBOUND)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    good = {**headers, SIGNATURE_HEADER: _twilio_signs(public, INBOUND)}
    assert client.post(PATH, content=body, headers=good).status_code == 204
    internal = {**headers, SIGNATURE_HEADER: _twilio_signs(f"http://testserver{PATH}", INBOUND)}
    assert client.post(PATH, content=body, headers=internal).status_code == 403
    assert client.post(PATH, content=body, headers=headers).status_code == 403
    with_query = {**headers, SIGNATURE_HEADER: _twilio_signs(f"{public}?shop=1", INBOUND)}
    assert client.post(f"{PATH}?shop=1", content=body, headers=with_query).status_code == 204


def test_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(TwilioSignatureConfigError, match="TWILIO_AUTH_TOKEN"):
        TwilioSignatureValidator.from_settings(get_settings())
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("ASSISTANT_PUBLIC_URL", PUBLIC_URL)
    get_settings.cache_clear()
    validator = TwilioSignatureValidator.from_settings(get_settings())
    url = validator.public_url_for(PATH)
    assert validator.validate(url, INBOUND, _twilio_signs(url, INBOUND))
    with pytest.raises(TwilioSignatureConfigError, match="ASSISTANT_PUBLIC_URL"):
        TwilioSignatureValidator(TOKEN, "shop.example.com")
