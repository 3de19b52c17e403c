"""Logs, request/task context and Prometheus metrics: what an operator sees of the service."""
