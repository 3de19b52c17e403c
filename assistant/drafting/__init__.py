"""Drafting: context builder, guardrails, SMS segments, campaigns."""
