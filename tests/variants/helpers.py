"""A prompts folder of our own per test: the shipped one, with a variants.yaml we choose."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.config import get_settings
from assistant.drafting.brand import DEFAULT_PROMPTS_DIR


def prompts_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variants: str | None) -> Path:
    """A copy of the shipped prompts, made the configured folder; `variants` replaces
    variants.yaml (None: no file, so no playbook has variants)."""
    folder = tmp_path / "prompts"
    shutil.copytree(DEFAULT_PROMPTS_DIR, folder)
    target = folder / "variants.yaml"
    if variants is None:
        target.unlink()
    else:
        target.write_text(variants, encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_PROMPTS_DIR", str(folder))
    get_settings.cache_clear()
    return folder
