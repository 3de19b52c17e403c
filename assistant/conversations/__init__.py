"""Inbound SMS: consent keywords, conversations, suggested replies and staff replies."""
