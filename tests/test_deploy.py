"""The deployment files (deploy/) start commands and options that exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.clitools import invoke

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def _command_lines() -> list[tuple[str, list[str]]]:
    lines: list[tuple[str, list[str]]] = []
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        for match in re.finditer(r"^ExecStart=(.+)$", unit.read_text(), re.MULTILINE):
            lines.append((unit.name, shlex.split(match.group(1))))
    for line in (DEPLOY / "Procfile").read_text().splitlines():
        if line and not line.startswith("#"):
            name, command = line.split(":", 1)
            lines.append((f"Procfile:{name}", shlex.split(command)))
    return lines


COMMANDS = _command_lines()


def test_every_process_type_is_declared() -> None:
    names = {name for name, _ in COMMANDS}
    assert {"assistant-web.service", "assistant-worker@.service"} <= names
    assert {"assistant-scheduler.service", "Procfile:web", "Procfile:worker"} <= names
    schedulers = [argv for _, argv in COMMANDS if "--beat" in argv]
    assert len(schedulers) == 2, "one scheduler in the units, one in the Procfile"
    workers = [argv for _, argv in COMMANDS if "worker" in argv and "--beat" not in argv]
    assert workers and all("--no-beat" in argv for argv in workers)


@pytest.mark.parametrize("where,argv", COMMANDS, ids=[name for name, _ in COMMANDS])
def test_each_command_and_option_exists(where: str, argv: list[str]) -> None:
    assert Path(argv[0]).name == "assistant", where
    words = [word for word in argv[1:] if not word.startswith("$")]
    command = [word for word in words if not word.startswith("-")][:2]
    options = [word.split("=", 1)[0] for word in words if word.startswith("--")]
    helped = invoke(*command[:1], "--help")
    if helped.exit_code != 0 and len(command) > 1:
        helped = invoke(*command, "--help")
    assert helped.exit_code == 0, (where, helped.output)
    for option in options:
        assert option in helped.output, (where, option)
