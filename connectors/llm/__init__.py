"""Drafters behind the `Drafter` port: an OpenAI-compatible chat model and the offline default."""
