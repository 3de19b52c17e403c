"""Twilio: SMS sending through the official SDK and webhook signature checks."""
