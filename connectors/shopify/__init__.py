"""Shopify: the Admin GraphQL API client (httpx) and webhook signatures (HMAC-SHA256)."""
