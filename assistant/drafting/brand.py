"""The brand voice: `prompts/brand.yaml`, validated into a `Brand`.

Editing the YAML changes how every drafter writes, with no code change. Validation errors
name the file and the field, so a typo in the brand file is easy to fix.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.config import get_settings
from assistant.drafting.sms_segments import is_gsm7
from assistant.playbooks import PLAYBOOKS

BRAND_FILE = "brand.yaml"
# The repository's prompts/ folder, used when ASSISTANT_PROMPTS_DIR is not set.
DEFAULT_PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"


class PromptsConfigError(ValueError):
    """A file in the prompts directory (or the directory itself) is missing or invalid."""


class BrandError(PromptsConfigError):
    """brand.yaml is missing, not YAML, or has invalid fields; the message names the file."""


def _non_gsm(text: str) -> str:
    return "".join(dict.fromkeys(ch for ch in text if not is_gsm7(ch)))


class Brand(BaseModel):
    """Who is writing and how: voice, words, sign-off and the length limits per channel."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=60)
    sender_name: str = Field(min_length=1, max_length=40)
    voice: str = Field(min_length=1, max_length=600)
    tone: list[str] = Field(default_factory=list)
    words_to_use: list[str] = Field(default_factory=list)
    words_to_avoid: list[str] = Field(default_factory=list)
    # The closing word(s) before the sender, e.g. "Warmly" -> "Warmly, Sam at Ember & Oak".
    sign_off: str = Field(min_length=1, max_length=40)
    emoji: Literal["never", "sparingly", "allowed"] = "never"
    sms_opt_out_notice: str = Field("Reply STOP to opt out", min_length=1, max_length=60)
    sms_max_segments: int = Field(3, ge=1, le=10)
    sms_warn_segments: int = Field(2, ge=1, le=10)
    email_subject_max: int = Field(60, ge=10, le=200)
    email_body_max_words: int = Field(180, ge=20, le=2000)
    help_text: str = Field(min_length=1, max_length=300)
    # One sentence about the brand that emails may use ("We roast in small batches."); the
    # offline drafter says nothing about the brand that is not written here.
    about: str | None = Field(None, min_length=1, max_length=300)
    # The brand's published contact: the only phone number and email address (besides the
    # customer's own) a draft may give; any other is a `foreign_phone` / `foreign_email`.
    contact_phone: str | None = Field(None, min_length=7, max_length=30)
    contact_email: str | None = Field(None, min_length=6, max_length=120)
    examples: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("tone", "words_to_use", "words_to_avoid")
    @classmethod
    def _no_blank_words(cls, value: list[str]) -> list[str]:
        words = [word.strip() for word in value]
        if any(not word for word in words):
            raise ValueError("must not contain empty entries")
        return words

    @field_validator("name", "sender_name", "sign_off", "sms_opt_out_notice", "help_text")
    @classmethod
    def _gsm7_only(cls, value: str) -> str:
        # These end up in SMS text verbatim: one non-GSM-7 character would make it UCS-2.
        bad = _non_gsm(value)
        if bad:
            raise ValueError(f"is sent by SMS, so it must be GSM-7 text; not GSM-7: {bad!r}")
        return value

    @field_validator("sms_opt_out_notice")
    @classmethod
    def _mentions_stop(cls, value: str) -> str:
        if "STOP" not in value:
            raise ValueError("must tell the customer to reply STOP (carriers match that keyword)")
        return value

    @field_validator("contact_phone")
    @classmethod
    def _a_phone_number(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\+?[\d\s().-]{7,30}", value):
            raise ValueError("must be a phone number, e.g. +1 415 555 0100")
        return value

    @field_validator("contact_email")
    @classmethod
    def _an_email_address(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", value):
            raise ValueError("must be an email address, e.g. hello@example.com")
        return value

    @field_validator("examples")
    @classmethod
    def _known_playbooks(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = sorted(set(value) - set(PLAYBOOKS))
        if unknown:
            raise ValueError(
                f"unknown playbook(s) {', '.join(unknown)}; use {', '.join(sorted(PLAYBOOKS))}"
            )
        return value

    @model_validator(mode="after")
    def _segments_in_order(self) -> Brand:
        if self.sms_warn_segments > self.sms_max_segments:
            raise ValueError(
                f"sms_warn_segments ({self.sms_warn_segments}) must not exceed "
                f"sms_max_segments ({self.sms_max_segments})"
            )
        return self

    def signature(self, channel: str) -> str:
        """The closing line(s): one line for SMS, sign-off and sender on two lines for email."""
        if channel == "email":
            return f"{self.sign_off},\n{self.sender_name}\n{self.name}"
        return f"{self.sign_off}, {self.sender_name} at {self.name}"


def prompts_dir() -> Path:
    """The folder holding brand.yaml and the prompt templates (ASSISTANT_PROMPTS_DIR or bundled)."""
    configured = get_settings().app.prompts_dir
    return Path(configured).expanduser() if configured else DEFAULT_PROMPTS_DIR


def resolve_prompts_dir(
    folder: Path | None, error: type[PromptsConfigError] = PromptsConfigError
) -> Path:
    """`folder` when given, else the configured one; `error` naming it when it is missing."""
    resolved = folder if folder is not None else prompts_dir()
    if not resolved.is_dir():
        raise error(
            f"prompts directory {resolved} does not exist (set ASSISTANT_PROMPTS_DIR to a "
            "folder holding brand.yaml and one <playbook>.md template per playbook)"
        )
    return resolved


def _field_path(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location) or "(top level)"


# Parsed brand files by (path, modification time, size): every inbound SMS and every task
# needs the brand, and parsing YAML was half the time of answering a webhook. A frozen Brand
# is safe to share; an edited file has a new mtime or size and is read again.
_PARSED: dict[tuple[str, int, int], Brand] = {}


def load_brand(prompts_dir: Path | None = None) -> Brand:
    """Read and validate `brand.yaml` from `prompts_dir` (default: `prompts_dir()`)."""
    path = resolve_prompts_dir(prompts_dir, BrandError) / BRAND_FILE
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise BrandError(f"{path}: not found; every prompts directory needs a brand.yaml") from None
    except OSError as exc:
        raise BrandError(f"{path}: cannot be read: {exc}") from None
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    cached = _PARSED.get(key)
    if cached is None:
        cached = _parse_brand(path)
        _PARSED.clear()  # one brand file per process: keep only the newest
        _PARSED[key] = cached
    return cached


def _parse_brand(path: Path) -> Brand:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BrandError(f"{path}: not found; every prompts directory needs a brand.yaml") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise BrandError(f"{path}: cannot be read as YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise BrandError(f"{path}: must be a mapping of brand fields, got {type(raw).__name__}")
    try:
        return Brand.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{_field_path(error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise BrandError(f"{path}: invalid brand: {problems}") from None
