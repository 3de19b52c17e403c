"""The web service: `assistant.api.app.create_app()` builds it from settings.

Nothing is imported here, so a route module can use `assistant.api.problems` or `.deps`
without pulling in the app (which imports every route module).
"""
