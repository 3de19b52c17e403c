"""The variant definitions: `variants.yaml` in the prompts directory, validated.

Under `playbooks:`, each playbook that is tested names 2 to 4 variants. A variant is a prompt
template (`prompt`, default: the playbook's own), a brand-voice `instruction` appended to the
system prompt, or both, with a `weight` (default 1: equal shares). Without the file no
playbook has variants. A mistake is one line naming the file and the field
(`VariantsConfigError`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.drafting.brand import PromptsConfigError, prompts_dir
from assistant.playbooks import PLAYBOOKS
from assistant.suggest import did_you_mean

FILE_NAME = "variants.yaml"
NAME_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
MIN_VARIANTS = 2
MAX_VARIANTS = 4
INSTRUCTION_MAX = 300
# A reply suggestion answers a conversation one message at a time: not a campaign to test.
UNTESTED_PLAYBOOKS = frozenset({"reply"})


class VariantsConfigError(PromptsConfigError):
    """variants.yaml is not YAML or has an invalid field; the message names file and field."""


class UnknownVariant(ValueError):
    """No such playbook under test, or no such variant of it; the message lists valid ones."""


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    description: str | None = Field(None, min_length=1, max_length=200)
    prompt: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]{0,40}$")
    instruction: str | None = Field(None, min_length=1, max_length=INSTRUCTION_MAX)
    weight: float = Field(1.0, gt=0, le=1000)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    playbooks: dict[str, dict[str, _Spec]] = Field(default_factory=dict)


@dataclass(frozen=True)
class Variant:
    """One variant of a playbook: its template (None: the playbook's), instruction, weight."""

    name: str
    weight: float = 1.0
    prompt: str | None = None
    instruction: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class VariantsConfig:
    """Every tested playbook's variants, in file order; `path` is None without a file."""

    playbooks: Mapping[str, tuple[Variant, ...]]
    path: Path | None = None

    def variants_of(self, playbook: str) -> tuple[Variant, ...]:
        """The playbook's variants, or `UnknownVariant` naming the tested playbooks."""
        found = self.playbooks.get(playbook)
        if found is None:
            tested = ", ".join(self.playbooks) or "none"
            hint = did_you_mean(playbook, self.playbooks)
            raise UnknownVariant(
                f"playbook {playbook!r} has no variants{hint}; playbooks with variants: {tested}"
            )
        return found

    def variant(self, playbook: str, name: str) -> Variant:
        """The named variant of `playbook`, or `UnknownVariant` listing its variants."""
        variants = self.variants_of(playbook)
        for variant in variants:
            if variant.name == name:
                return variant
        names = [v.name for v in variants]
        raise UnknownVariant(
            f"playbook {playbook!r} has no variant {name!r}{did_you_mean(name, names)}; "
            f"its variants: {', '.join(names)}"
        )


EMPTY = VariantsConfig(MappingProxyType({}))
_PARSED: dict[tuple[str, int, int], VariantsConfig] = {}


def load_variants(folder: Path | None = None) -> VariantsConfig:
    """`variants.yaml` from the prompts directory (or `folder`); no file: no variants."""
    path = (folder or prompts_dir()) / FILE_NAME
    try:
        stat = path.stat()
    except FileNotFoundError:
        return EMPTY
    except OSError as exc:
        raise VariantsConfigError(f"{path}: cannot be read: {exc}") from None
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    cached = _PARSED.get(key)
    if cached is None:
        cached = _parse_file(path)
        _PARSED.clear()  # one variants file per process: keep only the newest
        _PARSED[key] = cached
    return cached


def _parse_file(path: Path) -> VariantsConfig:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise VariantsConfigError(f"{path}: cannot be read: {exc}") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        raise VariantsConfigError(f"{path}: not valid YAML{line}") from None
    return parse_document(document, path)


def parse_document(document: object, path: Path) -> VariantsConfig:
    """Validate a parsed document; `VariantsConfigError` names the file and the field."""
    if document is None:
        return VariantsConfig(MappingProxyType({}), path)
    if not isinstance(document, dict):
        raise VariantsConfigError(
            f"{path}: must be a mapping with a 'playbooks' key, got {type(document).__name__}"
        )
    try:
        parsed = _File.model_validate(document)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        raise VariantsConfigError(f"{path}: {where}: {error['msg']}") from None
    playbooks: dict[str, tuple[Variant, ...]] = {}
    for playbook, specs in parsed.playbooks.items():
        playbooks[playbook] = _checked(path, playbook, specs)
    return VariantsConfig(MappingProxyType(playbooks), path)


def _checked(path: Path, playbook: str, specs: Mapping[str, _Spec]) -> tuple[Variant, ...]:
    at = f"{path}: playbooks.{playbook}"
    if playbook not in PLAYBOOKS or playbook in UNTESTED_PLAYBOOKS:
        valid = [p for p in PLAYBOOKS if p not in UNTESTED_PLAYBOOKS]
        raise VariantsConfigError(
            f"{at}: not a playbook with variants{did_you_mean(playbook, valid)}; "
            f"choose one of: {', '.join(valid)}"
        )
    if not MIN_VARIANTS <= len(specs) <= MAX_VARIANTS:
        raise VariantsConfigError(
            f"{at}: needs {MIN_VARIANTS} to {MAX_VARIANTS} variants, got {len(specs)}"
        )
    for name, spec in specs.items():
        if not re.fullmatch(NAME_PATTERN, name):
            raise VariantsConfigError(
                f"{at}.{name}: a variant name is 1-40 lower-case letters, digits or '_', "
                "starting with a letter"
            )
        if spec.prompt and not (path.parent / f"{spec.prompt}.md").is_file():
            raise VariantsConfigError(
                f"{at}.{name}.prompt: no template {spec.prompt}.md in {path.parent}"
            )
    return tuple(
        Variant(name, spec.weight, spec.prompt, spec.instruction, spec.description)
        for name, spec in specs.items()
    )
