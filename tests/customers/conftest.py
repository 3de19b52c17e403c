"""The web service with Twilio webhooks (the seed texts in) and its fake Twilio API."""

from tests.conversations.conftest import twilio, web  # noqa: F401  (fixtures)
