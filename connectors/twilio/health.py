"""`assistant doctor`'s check of Twilio: the account answers and the sender belongs to it."""

from __future__ import annotations

from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from assistant.config import Settings
from assistant.doctor.schemas import Check, first_line


def check_twilio(settings: Settings) -> Check:
    """Fetch the account, then the messaging service or the phone number that sends."""
    twilio = settings.twilio
    name = "twilio"
    token = twilio.auth_token.get_secret_value() if twilio.auth_token else ""
    client = Client(twilio.account_sid, token)
    if twilio.api_url:
        client.api.base_url = twilio.api_url.rstrip("/")
        client.messaging.base_url = twilio.api_url.rstrip("/")
    try:
        account = client.api.v2010.accounts(twilio.account_sid).fetch()
    except TwilioRestException as exc:
        return Check.problem(
            name, f"account: {exc.status} {exc.msg}", "check TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN"
        )
    except Exception as exc:
        return Check.problem(name, first_line(exc), "check the network and TWILIO_API_URL")
    try:
        if twilio.messaging_service_sid:
            client.messaging.v1.services(twilio.messaging_service_sid).fetch()
            sender = f"messaging service {twilio.messaging_service_sid}"
        else:
            numbers = client.api.v2010.accounts(twilio.account_sid).incoming_phone_numbers.list(
                phone_number=twilio.from_number, limit=1
            )
            if not numbers:
                return Check.problem(
                    name,
                    "TWILIO_FROM_NUMBER is not a number of this account",
                    "use one of the account's numbers (E.164) or a messaging service",
                )
            sender = "the from number"
    except TwilioRestException as exc:
        return Check.problem(
            name, f"sender: {exc.status} {exc.msg}", "check TWILIO_MESSAGING_SERVICE_SID"
        )
    return Check.ok(name, f"account {account.status}; sends from {sender}")
