"""The guardrail checks, one module per family; each exposes `check(draft) -> findings`."""
