"""Every command and every option explains itself in `--help`."""

from __future__ import annotations

from typing import Any

import typer

from assistant.cli import AssistantGroup, app


def _leaves(command: Any, path: str) -> list[tuple[str, Any]]:
    children = getattr(command, "commands", None)
    if children is None:
        return [(path, command)]
    found = [(path, command)]
    for name, child in children.items():
        found += _leaves(child, f"{path} {name}")
    return found


def every_command() -> list[tuple[str, Any]]:
    typer.main.get_group(app)  # builds the group, as running `assistant` does
    found: list[tuple[str, Any]] = []
    for name, entry in AssistantGroup.registry.items():
        found += _leaves(entry.load(name), f"assistant {name}")
    return found


def test_every_command_and_option_has_help_text() -> None:
    missing = []
    for path, command in every_command():
        if not (command.help or command.short_help):
            missing.append(f"{path}: no help")
        for param in command.params:
            if param.param_type_name == "option" and not getattr(param, "help", None):
                missing.append(f"{path} {param.opts[0]}: no help")
            if param.param_type_name == "argument" and not getattr(param, "help", None):
                missing.append(f"{path} {param.name.upper()}: no help")
    assert missing == []
