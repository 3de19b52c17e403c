"""Delivery: rules, scheduling, the exactly-once sender and provider status (docs/delivery.md)."""
