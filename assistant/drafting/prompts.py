"""Prompt templates: one Markdown file per playbook in the prompts directory, rendered strictly.

A template file is YAML front matter (at least `version`) followed by a `## system` and a
`## user` section, both Jinja2 with StrictUndefined: a variable the facts do not hold is an
error naming the file, the section and the variable, never an empty string in the prompt.

Rendering hands the templates small, bounded inputs (the conversation tail, trimmed feedback
and instruction, facts as one JSON line per group), so one prompt stays within the token
budget however long a customer's history is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from assistant.drafting.brand import Brand, PromptsConfigError, resolve_prompts_dir

_NAME = re.compile(r"[a-z][a-z0-9_]{0,40}")
_SECTION = re.compile(r"^## (system|user)[ \t]*$", re.MULTILINE)
_MISSING = re.compile(r"has no (?:attribute|element) '?([^'\s]+)'?|'([^']+)' is undefined")
# Facts that steer rendering rather than being written about.
_HIDDEN_FACTS = frozenset({"schema", "playbook", "channel", "brand", "conversation", "inbound"})
_HIDDEN_CUSTOMER = frozenset({"first_sms"})

CONVERSATION_MESSAGES = 6
CONVERSATION_CHARS = 600
MESSAGE_CHARS = 280
MESSAGE_MIN_CHARS = 40  # a shorter remnant of the budget would say nothing useful
FEEDBACK_ITEMS = 3
FEEDBACK_CHARS = 140
INSTRUCTION_CHARS = 120
FACT_LINE_CHARS = 300
QUOTED_CHARS = 120
EXAMPLES = 2
# Examples learned from staff edits (assistant.learning), shown ahead of brand.yaml's.
LEARNED_EXAMPLES = 3


class PromptError(PromptsConfigError):
    """A template is missing, malformed, or needs a variable the facts do not hold."""


@dataclass(frozen=True)
class PromptTemplate:
    """One playbook's template: its version and the Jinja2 source of both parts."""

    name: str
    version: str
    system: str
    user: str
    path: str = ""


@dataclass(frozen=True)
class RenderedPrompt:
    """The system and user messages for a drafter, and the template version they came from."""

    system: str
    user: str
    version: str


def available_prompts(prompts_dir: Path | None = None) -> list[str]:
    """The template names in the prompts directory, sorted."""
    folder = resolve_prompts_dir(prompts_dir, PromptError)
    return sorted(p.stem for p in folder.glob("*.md") if _NAME.fullmatch(p.stem))


def load_prompt(playbook: str, prompts_dir: Path | None = None) -> PromptTemplate:
    """Read `<playbook>.md`; `PromptError` names the file when it is missing or malformed."""
    folder = resolve_prompts_dir(prompts_dir, PromptError)
    path = folder / f"{playbook}.md"
    if not _NAME.fullmatch(playbook) or not path.is_file():
        known = ", ".join(available_prompts(folder)) or "none"
        raise PromptError(f"no prompt template {path}; templates in {folder}: {known}")
    stat = path.stat()
    return _parse_file(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _parse_file(path: str, _mtime_ns: int, _size: int) -> PromptTemplate:
    """Parse one template file; cached until the file changes (mtime or size)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PromptError(f"{path}: cannot be read: {exc}") from None
    return parse_template(Path(path).stem, text, path)


def parse_template(name: str, text: str, path: str = "<string>") -> PromptTemplate:
    """Split front matter and sections, check the Jinja2 syntax of both parts."""
    match = re.match(r"---[ \t]*\n(.*?)\n---[ \t]*\n(.*)\Z", text, re.DOTALL)
    if not match:
        raise PromptError(f"{path}: must start with YAML front matter between '---' lines")
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise PromptError(f"{path}: front matter is not valid YAML: {exc}") from None
    version = meta.get("version") if isinstance(meta, dict) else None
    if not isinstance(version, str | int) or not str(version).strip():
        raise PromptError(f"{path}: front matter needs a 'version', e.g. 'version: {name}-1'")
    body = match.group(2)
    heads = [(m.group(1), m.start(), m.end()) for m in _SECTION.finditer(body)]
    if [h[0] for h in heads] != ["system", "user"]:
        raise PromptError(f"{path}: needs exactly one '## system' then one '## user' section")
    system = body[heads[0][2] : heads[1][1]].strip("\n")
    user = body[heads[1][2] :].strip("\n")
    for part, source in (("system", system), ("user", user)):
        _compile(source, f"{path} ({part} part)")
    return PromptTemplate(name, str(version).strip(), system, user, path)


def clip(text: Any, limit: int) -> str:
    """`text` cut to `limit` characters, marked with '...' when cut."""
    value = " ".join(str(text).split())
    return value if len(value) <= limit else value[: max(limit - 3, 0)].rstrip() + "..."


def quoted(value: Any, limit: int = QUOTED_CHARS) -> str:
    """`value` as one JSON string, clipped: data the model reads, never prompt text.

    Customer-controlled values (names, product names from an import) go into templates only
    through this filter, so a quote, newline or "ignore previous instructions" inside them
    stays inside the string.
    """
    return json.dumps(clip(value, limit), ensure_ascii=False)


def _environment() -> SandboxedEnvironment:
    # Prompts are plain text for a model, not HTML: escaping would corrupt them.
    env = SandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["clip"] = clip
    env.filters["quoted"] = quoted
    return env


_ENV = _environment()


@lru_cache(maxsize=128)
def _compile(source: str, label: str) -> Template:
    try:
        return _ENV.from_string(source)
    except TemplateSyntaxError as exc:
        raise PromptError(f"{label}: template syntax error on line {exc.lineno}: {exc}") from None


def fact_lines(facts: Mapping[str, Any]) -> list[str]:
    """One compact JSON line per group of facts the message may use, nulls left out."""
    lines: list[str] = []
    for key, value in facts.items():
        if key in _HIDDEN_FACTS or value is None or value == {} or value == []:
            continue
        if key == "customer" and isinstance(value, Mapping):
            value = {k: v for k, v in value.items() if k not in _HIDDEN_CUSTOMER}
        text = json.dumps(value, ensure_ascii=False, default=str, separators=(", ", ": "))
        lines.append(f"{key}: {clip(text, FACT_LINE_CHARS)}")
    return lines


def conversation_tail(facts: Mapping[str, Any]) -> list[dict[str, str]]:
    """The latest messages within a character budget, oldest first, texts JSON-quoted.

    Quoting keeps a customer's text visibly data: a quote or newline inside it cannot end
    the string it sits in, whatever it says.
    """
    messages = facts.get("conversation") or []
    tail: list[dict[str, str]] = []
    budget = CONVERSATION_CHARS
    for message in reversed(list(messages)[-CONVERSATION_MESSAGES:]):
        if budget < MESSAGE_MIN_CHARS or not isinstance(message, Mapping):
            break
        text = clip(message.get("text", ""), min(MESSAGE_CHARS, budget))
        budget -= len(text)
        who = "customer" if message.get("from") == "customer" else "us"
        tail.append(
            {
                "who": who,
                "at": str(message.get("at") or ""),
                "text": json.dumps(text, ensure_ascii=False),
            }
        )
    return tail[::-1]


def _missing_name(error: UndefinedError) -> str:
    found = _MISSING.search(str(error))
    return (found.group(1) or found.group(2)) if found else str(error)


def render_prompt(
    template: PromptTemplate,
    *,
    facts: Mapping[str, Any],
    brand: Brand,
    channel: str,
    feedback: Sequence[str] = (),
    instruction: str | None = None,
    voice: str | None = None,
    learned: Sequence[str] = (),
) -> RenderedPrompt:
    """Render both parts for one customer; `PromptError` names a missing variable and file.

    `voice` is an A/B variant's brand-voice instruction (prompts/variants.yaml), appended to
    the system part after the template's own rules. `learned`: anonymised examples from
    staff edits, listed before brand.yaml's examples.
    """
    if channel not in ("sms", "email"):
        raise PromptError(f"unknown channel {channel!r}; use sms or email")
    customer = facts.get("customer")
    offer = facts.get("offer")
    context = {
        "facts": facts,
        "brand": brand,
        "channel": channel,
        "playbook": template.name,
        "signature": brand.signature(channel),
        "first_sms": bool(isinstance(customer, Mapping) and customer.get("first_sms")),
        "offer": offer or None,
        "fact_lines": fact_lines(facts),
        "conversation": conversation_tail(facts),
        "examples": [
            *list(learned)[:LEARNED_EXAMPLES],
            *list(brand.examples.get(template.name, []))[:EXAMPLES],
        ],
        "feedback": [clip(item, FEEDBACK_CHARS) for item in list(feedback)[:FEEDBACK_ITEMS]],
        "instruction": clip(instruction, INSTRUCTION_CHARS) if instruction else None,
        "sms_chars": 160 if brand.sms_warn_segments == 1 else 153 * brand.sms_warn_segments,
    }
    parts: list[str] = []
    for part in ("system", "user"):
        label = f"{template.path or template.name} ({part} part)"
        compiled = _compile(getattr(template, part), label)
        try:
            text = compiled.render(context)
        except UndefinedError as exc:
            raise PromptError(
                f"{label}: missing variable {_missing_name(exc)!r} "
                f"(the facts do not hold it, or the template misspells it): {exc}"
            ) from None
        except TemplateError as exc:
            raise PromptError(f"{label}: cannot render: {exc}") from None
        parts.append(re.sub(r"\n{3,}", "\n\n", text).strip())
    if voice:
        parts[0] += f"\nVoice for this message (the rules above still hold): {voice}"
    return RenderedPrompt(system=parts[0], user=parts[1], version=template.version)
