"""Email over SMTP: multipart messages with one-click unsubscribe headers."""
