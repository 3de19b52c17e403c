"""A Typer group whose subcommands are imported only when they run.

`assistant --help` lists every command from its registry entry without importing it, so
the CLI starts in a fraction of a second; `assistant drafts generate` imports the drafting
code and nothing else. Every command's errors pass through one place that turns setup and
input mistakes into one line and exit code 2.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import typer
from typer.core import TyperCommand, TyperGroup

from assistant.commandline.errors import friendly_message
from assistant.commandline.preflight import DatabaseNeed, prepare_database


@dataclass(frozen=True)
class LazyCommand:
    """A command by import path (`module:attribute`, a Typer app or a function) and help."""

    target: str
    help: str
    database: DatabaseNeed = "ready"
    # Subcommands (of a Typer app) that never touch the database, e.g. ("check",).
    no_database: tuple[str, ...] = field(default_factory=tuple)

    def load(self, name: str) -> Any:
        """The real command, its leaves guarded by the database preparation they need."""
        module_name, attribute = self.target.split(":")
        obj = getattr(importlib.import_module(module_name), attribute)
        command: Any
        if isinstance(obj, typer.Typer):
            command = typer.main.get_group(obj)
        else:
            single = typer.Typer()
            single.command(name)(obj)
            command = typer.main.get_command(single)
        command.name = name
        _prepare_leaves(command, self.database, self.no_database)
        return command


def _flags_as_flags(params: list[Any]) -> list[Any]:
    for param in params:
        if getattr(param, "is_flag", False) and param.param_type_name == "option":
            param.metavar = ""
    return params


def _tidy_flags(command: Any) -> None:
    """Show on/off flags as flags: Typer's help would print `--yes <bool>`."""
    listed = command.get_params

    def get_params(ctx: typer.Context) -> list[Any]:
        return _flags_as_flags(listed(ctx))

    command.get_params = get_params


def _prepare_leaves(command: Any, need: DatabaseNeed, skip: tuple[str, ...]) -> None:
    """Prepare the database right before each leaf command runs (after its --help)."""
    _tidy_flags(command)
    children = getattr(command, "commands", None)
    if children is not None:
        for name, child in children.items():
            _prepare_leaves(child, "none" if name in skip else need, ())
        return
    if need == "none":
        return
    run: Callable[[typer.Context], Any] = command.invoke

    def invoke(ctx: typer.Context) -> Any:
        prepare_database(need)
        return run(ctx)

    command.invoke = invoke


class _Listed(TyperCommand):
    """Stands in for a lazy command in help listings and "did you mean" suggestions."""


class LazyGroup(TyperGroup):
    """The root `assistant` group: lazy subcommands and the one-line error boundary."""

    registry: ClassVar[Mapping[str, LazyCommand]] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for name, entry in self.registry.items():
            self.commands.setdefault(name, _Listed(name, help=entry.help, short_help=entry.help))

    def get_params(self, ctx: Any) -> list[Any]:
        return _flags_as_flags(super().get_params(ctx))

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if isinstance(command, _Listed) and name is not None:
            command = self.registry[name].load(name)
            self.commands[name] = command
        return name, command, rest

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if isinstance(command, _Listed) and ctx.resilient_parsing:
            # Shell completion wants the real subcommands.
            command = self.registry[cmd_name].load(cmd_name)
            self.commands[cmd_name] = command
        return command

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            message = friendly_message(exc)
            if message is None:
                raise
            from assistant.commandline.output import fail

            fail(message)
