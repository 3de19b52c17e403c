"""A/B variants of playbooks: declared in prompts/variants.yaml, assigned by a stable hash."""
