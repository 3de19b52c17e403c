"""API keys for `/api/v1`: created with a scope, stored by hash, listed, revoked (CLI and API)."""
