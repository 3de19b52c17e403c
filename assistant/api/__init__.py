"""The web service: `create_app()` builds it from settings."""

from assistant.api.app import create_app

__all__ = ["create_app"]
