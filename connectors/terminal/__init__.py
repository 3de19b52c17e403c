"""The terminal: review cards printed with rich, for teams without Slack."""
