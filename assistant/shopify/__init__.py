"""Shopify: connect a store, backfill it, take its webhooks (adapters in connectors/shopify)."""
