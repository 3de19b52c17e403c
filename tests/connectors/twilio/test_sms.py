"""TwilioSmsSender through the real twilio client against the fake Twilio REST API."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from assistant.ports import SendError, SmsSender
from connectors.twilio.sms import TwilioConfigError, TwilioSmsSender, to_send_error
from tests.connectors.twilio.conftest import (
    CUSTOMER,
    FROM_NUMBER,
    PUBLIC_URL,
    SERVICE_SID,
    SenderFor,
)
from tests.fakes.twilio_server import (
    ACCOUNT_SID,
    FakeTwilioServer,
    StoredMessage,
    accept_then_hang,
    rate_limited,
    running_fake_twilio,
    server_error,
    twilio_error,
)

BODY = (
    "Hi Maya, how is the skillet treating you? Just reply if you need a hand. Reply STOP to opt out"
)
MESSAGES_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


def _send_error(sender: TwilioSmsSender, to: str = CUSTOMER, body: str = BODY) -> SendError:
    with pytest.raises(SendError) as caught:
        sender.send(to, body, idempotency_key="draft:1")
    return caught.value


def test_the_sender_fits_the_port(fake_twilio: FakeTwilioServer, sms_sender: SenderFor) -> None:
    assert isinstance(sms_sender(fake_twilio), SmsSender)


def test_send_from_a_messaging_service(
    fake_twilio: FakeTwilioServer, sms_sender: SenderFor
) -> None:
    result = sms_sender(fake_twilio).send(CUSTOMER, BODY, idempotency_key="draft:1")

    [request] = fake_twilio.requests
    assert request.method == "POST"
    assert request.path == MESSAGES_PATH
    assert request.authorized
    assert request.headers["user-agent"].startswith("twilio-python/")
    assert request.field("To") == CUSTOMER
    assert request.field("Body") == BODY
    assert request.field("MessagingServiceSid") == SERVICE_SID
    assert request.field("From") is None
    assert request.field("StatusCallback") == f"{PUBLIC_URL}/webhooks/twilio/status"
    assert result.provider_id.startswith("SM")
    assert result.provider_id in fake_twilio.messages
    assert result.status == "accepted"


def test_send_from_a_number(fake_twilio: FakeTwilioServer, sms_sender: SenderFor) -> None:
    sender = sms_sender(
        fake_twilio, TWILIO_MESSAGING_SERVICE_SID="", TWILIO_FROM_NUMBER=FROM_NUMBER
    )
    result = sender.send(CUSTOMER, BODY, idempotency_key="draft:2")

    [request] = fake_twilio.creates()
    assert request.field("From") == FROM_NUMBER
    assert request.field("MessagingServiceSid") is None
    assert result.status == "queued"
    assert fake_twilio.messages[result.provider_id].from_ == FROM_NUMBER


def test_an_explicit_status_callback_and_unicode_body(
    fake_twilio: FakeTwilioServer, sms_sender: SenderFor
) -> None:
    body = "Thank you, Zoë! Your café grinder ships today ☕"
    sms_sender(fake_twilio).send(
        CUSTOMER, body, idempotency_key="draft:3", status_callback="https://x.example/cb?m=3"
    )
    [request] = fake_twilio.creates()
    assert request.field("Body") == body
    assert request.field("StatusCallback") == "https://x.example/cb?m=3"


def test_opted_out_recipient_21610(fake_twilio: FakeTwilioServer, sms_sender: SenderFor) -> None:
    fake_twilio.blocked.add(CUSTOMER)
    error = _send_error(sms_sender(fake_twilio))
    assert (error.code, error.permanent_reason, error.retryable) == ("21610", "opted_out", False)
    assert not error.uncertain
    assert fake_twilio.messages == {}


@pytest.mark.parametrize(
    ("numbers", "code", "reason"),
    [("invalid", "21211", "invalid phone number"), ("landlines", "21614", "not a mobile")],
)
def test_bad_numbers_fail_with_a_reason(
    fake_twilio: FakeTwilioServer, sms_sender: SenderFor, numbers: str, code: str, reason: str
) -> None:
    getattr(fake_twilio, numbers).add(CUSTOMER)
    error = _send_error(sms_sender(fake_twilio))
    assert (error.code, error.permanent_reason, error.retryable) == (code, "bad_address", False)
    assert reason in str(error)


def test_scripted_21610_is_mapped_the_same(
    fake_twilio: FakeTwilioServer, sms_sender: SenderFor
) -> None:
    fake_twilio.enqueue(twilio_error(21610))
    assert _send_error(sms_sender(fake_twilio)).permanent_reason == "opted_out"


def test_rate_limit_is_retryable_with_retry_after(
    fake_twilio: FakeTwilioServer, sms_sender: SenderFor
) -> None:
    fake_twilio.enqueue(rate_limited(retry_after=7))
    error = _send_error(sms_sender(fake_twilio))
    assert (error.code, error.retryable, error.retry_after) == ("429", True, 7.0)
    assert error.permanent_reason is None
    assert not error.uncertain
    # The SDK made exactly one attempt: retries are the outbox's decision, never the client's.
    assert len(fake_twilio.creates()) == 1


def test_rate_limit_without_retry_after(
    fake_twilio: FakeTwilioServer, sms_sender: SenderFor
) -> None:
    fake_twilio.enqueue(rate_limited(retry_after=None))
    error = _send_error(sms_sender(fake_twilio))
    assert error.retryable
    assert error.retry_after is None


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retryable(
    fake_twilio: FakeTwilioServer, sms_sender: SenderFor, status: int
) -> None:
    fake_twilio.enqueue(server_error(status))
    error = _send_error(sms_sender(fake_twilio))
    assert (error.code, error.retryable, error.uncertain) == (str(status), True, False)
    assert len(fake_twilio.creates()) == 1
    assert fake_twilio.messages == {}


def test_other_refusals_are_permanent_without_a_consent_change(
    fake_twilio: FakeTwilioServer, sms_sender: SenderFor
) -> None:
    error = _send_error(sms_sender(fake_twilio), body="")  # Twilio: 21602 body required
    assert (error.code, error.retryable, error.permanent_reason) == ("21602", False, None)


def test_wrong_credentials_keep_the_message_for_later(
    fake_twilio: FakeTwilioServer, sms_sender: SenderFor
) -> None:
    secret = "wrong-token-must-not-leak-9f2c"
    error = _send_error(sms_sender(fake_twilio, TWILIO_AUTH_TOKEN=secret))
    assert error.code == "20003"
    assert error.retryable
    assert "TWILIO_AUTH_TOKEN" in str(error)
    assert secret not in str(error)
    assert fake_twilio.requests[0].authorized is False


def test_connection_refused_is_retryable_and_certain(sms_sender: SenderFor) -> None:
    with running_fake_twilio() as server:
        sender = sms_sender(server)
    error = _send_error(sender)  # the server is gone: nothing can have been sent
    assert error.retryable
    assert not error.uncertain


def test_timeout_after_accept_is_uncertain_then_reconciled_without_a_second_send(
    fake_twilio: FakeTwilioServer, sms_sender: SenderFor
) -> None:
    sender = sms_sender(fake_twilio, timeout=0.5)
    since = datetime.now(UTC)
    fake_twilio.enqueue(accept_then_hang(5))

    error = _send_error(sender)  # Twilio hangs for 5 s: only the 0.5 s timeout makes this one
    assert (error.code, error.retryable, error.uncertain) == ("timeout", True, True)
    [stored] = fake_twilio.messages.values()
    assert stored.date_sent is None  # still queued at Twilio: a DateSent filter cannot see it

    found = sender.find_sent(CUSTOMER, BODY, idempotency_key="draft:1", since=since)
    assert found is not None
    assert found.provider_id == stored.sid
    assert len(fake_twilio.creates()) == 1

    fake_twilio.advance(stored.sid, "sent")
    again = sender.find_sent(CUSTOMER, BODY, idempotency_key="draft:1", since=since)
    assert again is not None and again.provider_id == stored.sid
    lists = [r for r in fake_twilio.requests if r.method == "GET"]
    assert {r.query.get("To", [""])[0] for r in lists} == {CUSTOMER}
    assert any("DateSent>" in r.query for r in lists)
    assert len(fake_twilio.creates()) == 1


def test_find_sent_is_none_when_twilio_never_took_it(
    fake_twilio: FakeTwilioServer, sms_sender: SenderFor
) -> None:
    sender = sms_sender(fake_twilio)
    since = datetime.now(UTC)
    sender.send("+14155550999", BODY, idempotency_key="other-customer")
    sender.send(CUSTOMER, "A different message", idempotency_key="other-body")
    assert sender.find_sent(CUSTOMER, BODY, idempotency_key="draft:1", since=since) is None


def test_find_sent_ignores_messages_from_before_the_attempt(
    fake_twilio: FakeTwilioServer, sms_sender: SenderFor
) -> None:
    old = datetime.now(UTC) - timedelta(days=3)
    fake_twilio.messages["SMold"] = StoredMessage(
        sid="SMold",
        to=CUSTOMER,
        body=BODY,
        from_=None,
        messaging_service_sid=SERVICE_SID,
        status_callback=None,
        status="delivered",
        date_created=old,
        date_sent=old,
    )
    sender = sms_sender(fake_twilio)
    assert sender.find_sent(CUSTOMER, BODY, idempotency_key="k", since=datetime.now(UTC)) is None
    assert sender.find_sent(CUSTOMER, BODY, idempotency_key="k", since=old) is not None


def test_find_sent_matches_smart_encoding_and_appended_opt_out_text(
    fake_twilio: FakeTwilioServer, sms_sender: SenderFor
) -> None:
    now = datetime.now(UTC)
    fake_twilio.messages["SMsmart"] = StoredMessage(
        sid="SMsmart",
        to=CUSTOMER,
        body="It's Sam - thanks for your order! Reply STOP to unsubscribe.",
        from_=None,
        messaging_service_sid=SERVICE_SID,
        status_callback=None,
        status="sent",
        date_created=now,
        date_sent=now,
    )
    found = sms_sender(fake_twilio).find_sent(
        CUSTOMER, "It\u2019s Sam \u2014 thanks for your order!", idempotency_key="k", since=now
    )
    assert found is not None and found.provider_id == "SMsmart"


def test_find_sent_raises_when_twilio_cannot_be_asked(
    fake_twilio: FakeTwilioServer, sms_sender: SenderFor
) -> None:
    # Never None when the answer is unknown: the outbox must not take "no answer" for "not sent".
    bad = sms_sender(fake_twilio, TWILIO_AUTH_TOKEN="nope")
    with pytest.raises(SendError) as caught:
        bad.find_sent(CUSTOMER, BODY, idempotency_key="k", since=datetime.now(UTC))
    assert caught.value.retryable
    assert not caught.value.uncertain


def test_no_phone_number_or_body_in_logs(
    fake_twilio: FakeTwilioServer, sms_sender: SenderFor, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sender = sms_sender(fake_twilio)
    since = datetime.now(UTC)
    sender.send(CUSTOMER, BODY, idempotency_key="draft:1")
    sender.find_sent(CUSTOMER, BODY, idempotency_key="draft:1", since=since)
    fake_twilio.blocked.add(CUSTOMER)
    _send_error(sender)
    logged = "\n".join(
        f"{r.getMessage()} {r.__dict__}"
        for r in caplog.records
        if r.name.startswith(("twilio", "connectors"))
    )
    assert "draft:1" in logged
    for personal in (CUSTOMER, CUSTOMER.replace("+", "%2B"), "skillet"):
        assert personal not in logged


def test_configuration_errors_name_the_settings() -> None:
    with pytest.raises(TwilioConfigError, match="TWILIO_AUTH_TOKEN"):
        TwilioSmsSender(account_sid=ACCOUNT_SID, auth_token="", messaging_service_sid=SERVICE_SID)
    with pytest.raises(TwilioConfigError, match="TWILIO_FROM_NUMBER"):
        TwilioSmsSender(account_sid=ACCOUNT_SID, auth_token="t")


def test_unknown_exceptions_are_not_swallowed() -> None:
    with pytest.raises(KeyError):
        to_send_error(KeyError("bug"))
