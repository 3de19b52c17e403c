"""Deterministic synthetic demo store: `generate_store` writes the five import CSVs."""

from assistant.demo.generator import DemoSummary, generate_store

__all__ = ["DemoSummary", "generate_store"]
