"""Running the `assistant` command in-process, as a person would, for tests."""

from __future__ import annotations

from click.testing import Result
from typer.testing import CliRunner

from assistant import cli
from assistant.commandline import output
from assistant.db import get_engine

WIDTH = 240  # wide enough that rich never wraps a path or a file:line location


def invoke(*args: str, input: str | None = None) -> Result:
    """Run `assistant ARGS...` (with `input` as stdin); any exception but an exit fails the test."""
    widths = output.console.width, output.errors.width
    output.console.width = output.errors.width = WIDTH
    try:
        result = CliRunner().invoke(cli.app, list(args), input=input)
    finally:
        output.console.width, output.errors.width = widths
        get_engine().dispose()  # the command's pooled connections, before the schema goes
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result
