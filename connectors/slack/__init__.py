"""Staff review in Slack: the Bolt app, Block Kit cards, and the `slack` ReviewChannel."""
