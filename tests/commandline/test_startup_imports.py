"""The CLI imports only what the command it runs needs (the import set, not the time)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "scipy",
    "numpy",
    "langchain_core",
    "langchain_openai",
    "openai",
    "twilio",
    "slack_bolt",
    "slack_sdk",
    "celery",
    "fastapi",
    "assistant.api.app",
)

_PROBE = """
import json, sys
from typer.testing import CliRunner
from assistant.cli import app
result = CliRunner().invoke(app, sys.argv[1:])
loaded = sorted(m for m in sys.modules)
print(json.dumps({"exit": result.exit_code, "output": result.output, "modules": loaded}))
"""


def _run(*args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, check=True
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _heavy(modules: object) -> list[str]:
    assert isinstance(modules, list)
    return sorted(m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY)


def test_importing_the_cli_imports_no_heavy_package() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys, assistant.cli; print('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    modules = done.stdout.split()
    assert _heavy(modules) == []
    # Nor the database layer or settings: a command loads those when it runs.
    assert "sqlalchemy" not in modules
    assert "pydantic_settings" not in modules


def test_help_lists_every_command_without_importing_them() -> None:
    probe = _run("--help")
    assert probe["exit"] == 0
    assert _heavy(probe["modules"]) == []
    for name in ("quickstart", "doctor", "import", "drafts", "review", "serve", "worker"):
        assert name in str(probe["output"])
    assert not any(str(m).startswith("assistant.drafting") for m in probe["modules"])  # type: ignore[attr-defined]
    # Logging and metrics libraries load with `serve` and `worker`, not for the help.
    assert not [m for m in probe["modules"] if str(m).startswith(("structlog", "prometheus"))]  # type: ignore[attr-defined]


def test_sms_segments_imports_only_the_segment_counter() -> None:
    probe = _run("sms", "segments", "hi")
    assert probe["exit"] == 0
    assert json.loads(str(probe["output"]))["segments"] == 1
    assert _heavy(probe["modules"]) == []
    assert "sqlalchemy" not in probe["modules"]  # type: ignore[operator]


@pytest.mark.parametrize(
    "args",
    [
        ("segments", "list"),
        ("drafts", "list"),
        ("metrics", "export", "--format", "json"),
        ("review", "--help"),
        ("worker", "--help"),
        ("doctor",),
        ("apikeys", "list"),
    ],
    ids=" ".join,
)
def test_a_command_imports_only_what_it_uses(args: tuple[str, ...]) -> None:
    probe = _run(*args)
    assert probe["exit"] == 0, probe["output"]
    assert _heavy(probe["modules"]) == []


def test_version_prints_the_package_version() -> None:
    from importlib.metadata import version

    probe = _run("--version")
    assert probe["exit"] == 0
    assert str(probe["output"]).strip() == f"assistant {version('customer-assistant')}"
