"""The local outbox: messages written to files instead of a provider (the embedded default)."""

from connectors.outbox.transport import OutboxEmailSender, OutboxSmsSender, read_outbox

__all__ = ["OutboxEmailSender", "OutboxSmsSender", "read_outbox"]
