"""Campaign control: list, show, pause, resume and cancel campaigns (CLI and API)."""
