"""`assistant sms`: SMS encoding and segments of a text (assistant/drafting/sms_segments.py)."""

from __future__ import annotations

from typing import Annotated

import typer

sms_app = typer.Typer(help="SMS encoding.", no_args_is_help=True)


@sms_app.command("segments")
def sms_segments(text: Annotated[str, typer.Argument(help="The SMS body.")]) -> None:
    """Print the body's encoding, segment count and character count as one line of JSON."""
    import json

    from assistant.drafting.sms_segments import analyse

    info = analyse(text)
    # Plain echo, not rich: the line is machine-read and must not be wrapped or styled.
    typer.echo(
        json.dumps(
            {"encoding": info.encoding, "segments": info.segments, "characters": info.characters},
            ensure_ascii=False,
        )
    )
