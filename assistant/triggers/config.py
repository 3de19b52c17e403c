"""The trigger definitions: `triggers.yaml` in the brand's prompts directory, validated.

Each entry under `triggers:` is one trigger, named by its key; `kind` (default: the key)
says which event it watches. Every parameter has a default matching what works for retail
brands, so an empty entry (`purchase: {}`) is a working trigger. A mistake is one line
naming the file, the key and the problem (`TriggersConfigError`), with a did-you-mean for a
misspelt kind, parameter or playbook. Without the file the built-in defaults apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from assistant.drafting.brand import PromptsConfigError, prompts_dir
from assistant.playbooks import PLAYBOOKS, Playbook
from assistant.suggest import did_you_mean

FILE_NAME = "triggers.yaml"
CHANNELS = ("sms", "email")

# Parameters every trigger takes, then each kind's own with their defaults.
COMMON: Mapping[str, Any] = {
    "kind": None,
    "label": None,
    "enabled": True,
    "playbook": None,
    "channel": None,
    "cooldown_days": None,
    "brief": None,
    "holdout": None,
    "steps": [],
}
KINDS: Mapping[str, Mapping[str, Any]] = {
    "purchase": {
        "playbook": "check_in",
        "label": "Check-ins",
        "days": 5,
        "catch_up_days": 2,
        "statuses": ["processing", "completed", "shipped", "delivered"],
    },
    "milestone_crossed": {
        "playbook": "recognition",
        "label": "Milestones",
        "lifetime_spend": 5000,
        "orders": 10,
        "years": 2,
        "within_days": 30,
    },
    "product_relaunched": {
        "playbook": "re_engagement",
        "label": "Relaunches",
        "reasons": ["fit", "quality", "sizing"],
        "within_days": 120,
    },
    "repeat_product": {
        "playbook": "upsell",
        "label": "Upgrades",
        "purchases": 3,
        "within_days": 90,
        "catch_up_days": 7,
    },
    "lapsed_high_value": {
        "playbook": "recognition",
        "label": "Lapsed best customers",
        "days": 120,
        "clv_top_percent": 10,
        "catch_up_days": 7,
        "brief": (
            "They have not ordered for a while: a warm personal note that they are missed, "
            "no discount, no guilt, no mention of how long it has been."
        ),
    },
}
# Whole numbers of days (at least 1 unless listed in ZERO_OK), and other numbers.
_DAYS = ("days", "catch_up_days", "within_days", "orders", "years", "purchases")
_ZERO_OK = ("catch_up_days", "cooldown_days")
_NUMBERS = ("lifetime_spend", "clv_top_percent")
_LISTS = ("statuses", "reasons")
CARE_TIP: Mapping[str, Any] = {
    "after_days": 14,
    "label": "Care tips",
    "prompt": "care_tip",
    "brief": "A short, practical care or use tip for the product they bought; no selling.",
}
_STEP_KEYS = ("after_days", "brief", "prompt", "label", "channel")


class TriggersConfigError(PromptsConfigError):
    """triggers.yaml is malformed; the message names the file, key and problem."""


@dataclass(frozen=True)
class Step:
    """A follow-up: drafted `after_days` after the previous step was sent, unless the
    customer replied, ordered or opted out since (or that message was cancelled)."""

    number: int
    after_days: int
    brief: str
    prompt: str | None = None
    label: str | None = None
    channel: str | None = None


@dataclass(frozen=True)
class Trigger:
    """One trigger: its kind, playbook, channel, cooldown, parameters and follow-ups."""

    name: str
    kind: str
    label: str
    enabled: bool
    playbook: str
    channel: str
    cooldown_days: int
    params: Mapping[str, Any]
    brief: str | None = None
    steps: tuple[Step, ...] = ()
    # Percent of eligible occasions held out (step 1 only); None: ASSISTANT_HOLDOUT_PERCENT.
    holdout: float | None = None

    def param(self, name: str) -> Any:
        return self.params[name]

    def base_playbook(self, step: int = 1) -> Playbook:
        """The playbook, with this trigger's cooldown (none for a follow-up: the sequence
        paces it) and the follow-up's prompt template when it names one."""
        playbook = replace(PLAYBOOKS[self.playbook], cooldown_days=self.cooldown_days)
        if step == 1:
            return playbook
        chosen = self.step(step)
        return replace(playbook, cooldown_days=0, prompt=chosen.prompt or playbook.prompt)

    def step(self, number: int) -> Step:
        return self.steps[number - 2]

    def channel_of(self, step: int) -> str:
        return (self.step(step).channel if step > 1 else None) or self.channel

    def label_of(self, step: int) -> str:
        return (self.step(step).label if step > 1 else None) or (
            self.label if step == 1 else f"{self.label} follow-ups"
        )


@dataclass(frozen=True)
class TriggersConfig:
    """Every trigger, by name, and the file they came from (None: built-in defaults)."""

    triggers: Mapping[str, Trigger] = field(default_factory=dict)
    path: Path | None = None

    def get(self, name: str) -> Trigger:
        try:
            return self.triggers[name]
        except KeyError:
            hint = did_you_mean(name, self.triggers)
            known = ", ".join(self.triggers) or "none"
            raise TriggersConfigError(f"unknown trigger {name!r}{hint}; known: {known}") from None


def default_document() -> dict[str, Any]:
    """The built-in definitions (as prompts/triggers.yaml ships them): one trigger per kind,
    every parameter at its default, the check-in followed by a care tip."""
    document: dict[str, Any] = {"triggers": {kind: {} for kind in KINDS}}
    document["triggers"]["purchase"] = {"steps": [dict(CARE_TIP)]}
    return document


def load_triggers(folder: Path | None = None) -> TriggersConfig:
    """`triggers.yaml` from the prompts directory (or `folder`), or the built-in defaults."""
    path = (folder or prompts_dir()) / FILE_NAME
    if not path.is_file():
        return parse_document(default_document(), None)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise TriggersConfigError(f"{path}: cannot be read: {exc}") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        raise TriggersConfigError(f"{path}: not valid YAML{line}") from None
    config = parse_document(document, path)
    for trigger in config.triggers.values():
        for index, step in enumerate(trigger.steps):
            if step.prompt and not (path.parent / f"{step.prompt}.md").is_file():
                raise TriggersConfigError(
                    f"{path}: triggers.{trigger.name}.steps[{index}].prompt: no template "
                    f"{step.prompt}.md in {path.parent}"
                )
    return config


def parse_document(document: Any, path: Path | None) -> TriggersConfig:
    """Validate a parsed document; `TriggersConfigError` names the first problem."""
    origin = str(path) if path else "built-in triggers"

    def fail(key: str, problem: str) -> TriggersConfigError:
        return TriggersConfigError(f"{origin}: {key}: {problem}")

    if not isinstance(document, Mapping) or set(document) - {"triggers"}:
        extra = sorted(set(document) - {"triggers"}) if isinstance(document, Mapping) else []
        raise fail(extra[0] if extra else "(top level)", "the file holds one key, `triggers:`")
    entries = document.get("triggers") or {}
    if not isinstance(entries, Mapping):
        raise fail("triggers", "must map trigger names to their parameters")
    triggers: dict[str, Trigger] = {}
    for name, entry in entries.items():
        triggers[str(name)] = _trigger(str(name), entry or {}, fail)
    return TriggersConfig(triggers, path)


def _trigger(name: str, entry: Any, fail: Any) -> Trigger:
    at = f"triggers.{name}"
    if not isinstance(entry, Mapping):
        raise fail(at, "must be a mapping of parameters")
    kind = str(entry.get("kind") or name)
    if kind not in KINDS:
        hint = did_you_mean(kind, KINDS)
        raise fail(f"{at}.kind", f"unknown trigger kind {kind!r}{hint}; kinds: {', '.join(KINDS)}")
    defaults = {**COMMON, **KINDS[kind]}
    for key in entry:
        if key not in defaults:
            hint = did_you_mean(str(key), defaults)
            raise fail(f"{at}.{key}", f"unknown parameter for a {kind} trigger{hint}")
    values = {**defaults, **dict(entry)}
    params = {key: _param(f"{at}.{key}", key, values[key], fail) for key in KINDS[kind]}
    playbook = str(values["playbook"])
    if playbook not in PLAYBOOKS or PLAYBOOKS[playbook].segment is None:
        usable = [p for p, book in PLAYBOOKS.items() if book.segment is not None]
        hint = did_you_mean(playbook, usable)
        raise fail(
            f"{at}.playbook", f"unknown playbook {playbook!r}{hint}; use {', '.join(usable)}"
        )
    channel = str(values["channel"] or PLAYBOOKS[playbook].channel)
    if channel not in CHANNELS:
        raise fail(f"{at}.channel", f"must be one of {', '.join(CHANNELS)}, not {channel!r}")
    cooldown = values["cooldown_days"]
    cooldown = PLAYBOOKS[playbook].cooldown_days if cooldown is None else cooldown
    if not isinstance(values["enabled"], bool):
        raise fail(f"{at}.enabled", "must be true or false")
    steps = values["steps"] or []
    if not isinstance(steps, list):
        raise fail(f"{at}.steps", "must be a list of follow-up steps")
    holdout = values["holdout"]
    if holdout is not None and (
        isinstance(holdout, bool) or not isinstance(holdout, int | float) or not 0 <= holdout <= 50
    ):
        raise fail(f"{at}.holdout", f"must be a percent from 0 to 50 (got {holdout!r})")
    return Trigger(
        name=name,
        kind=kind,
        label=_text(f"{at}.label", values["label"], fail) or name,
        enabled=values["enabled"],
        playbook=playbook,
        channel=channel,
        cooldown_days=_param(f"{at}.cooldown_days", "cooldown_days", cooldown, fail),
        params=params,
        brief=_text(f"{at}.brief", values["brief"], fail),
        steps=tuple(_step(f"{at}.steps[{i}]", i + 2, s, fail) for i, s in enumerate(steps)),
        holdout=None if holdout is None else float(holdout),
    )


def _param(at: str, key: str, value: Any, fail: Any) -> Any:
    if key in _DAYS or key in _ZERO_OK:
        low = 0 if key in _ZERO_OK else 1
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise fail(at, f"must be a whole number, at least {low} (got {value!r})")
    elif key in _NUMBERS:
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise fail(at, f"must be a number above 0 (got {value!r})")
        if key == "clv_top_percent" and value > 100:
            raise fail(at, f"is a percent, at most 100 (got {value!r})")
    elif key in _LISTS:
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise fail(at, "must be a non-empty list of words")
        return [v.strip().lower().replace(" ", "_") for v in value]
    return value


def _text(at: str, value: Any, fail: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise fail(at, "must be some text")
    return " ".join(value.split())


def _step(at: str, number: int, entry: Any, fail: Any) -> Step:
    if not isinstance(entry, Mapping):
        raise fail(at, "must be a mapping with after_days and brief")
    for key in entry:
        if key not in _STEP_KEYS:
            raise fail(f"{at}.{key}", f"unknown step parameter{did_you_mean(str(key), _STEP_KEYS)}")
    after = entry.get("after_days")
    if isinstance(after, bool) or not isinstance(after, int) or after < 1:
        raise fail(
            f"{at}.after_days", f"must be a whole number of days, at least 1 (got {after!r})"
        )
    brief = _text(f"{at}.brief", entry.get("brief"), fail)
    if brief is None:
        raise fail(f"{at}.brief", "a follow-up needs a brief: what this message is for")
    prompt = entry.get("prompt")
    if prompt is not None and (not isinstance(prompt, str) or not prompt.isidentifier()):
        raise fail(
            f"{at}.prompt", f"must name a template in the prompts directory (got {prompt!r})"
        )
    channel = entry.get("channel")
    if channel is not None and channel not in CHANNELS:
        raise fail(f"{at}.channel", f"must be one of {', '.join(CHANNELS)}, not {channel!r}")
    return Step(
        number, after, brief, prompt, _text(f"{at}.label", entry.get("label"), fail), channel
    )
