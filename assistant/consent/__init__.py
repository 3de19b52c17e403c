"""A customer's consent per channel and its history: shown and set by staff (CLI, API)."""
