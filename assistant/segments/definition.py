"""Parse a definition document, substitute its params, validate it into a `Segment`."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import yaml
from pydantic import TypeAdapter, ValidationError

from assistant.segments.errors import DefinitionError, ParamError, format_errors, render_path
from assistant.segments.schemas import Condition, DefinitionDocument

Source = Literal["builtin", "user"]
Location = tuple[str | int, ...]

_CONDITION: TypeAdapter[Condition] = TypeAdapter(Condition)
# A whole value `$name` or `{name}` (quoted in YAML) refers to a param.
_REFERENCE = re.compile(r"^\s*(?:\$([A-Za-z_]\w*)|\{([A-Za-z_]\w*)\})\s*$")


@dataclass(frozen=True)
class Resolved:
    """A segment's condition tree with params applied, and the params used."""

    where: Condition
    params: dict[str, Any]


@dataclass(frozen=True)
class Segment:
    """A validated segment definition and where it came from."""

    name: str
    description: str
    params: dict[str, Any]
    raw_where: Any
    where: Condition
    source: Source
    origin: str

    def resolve(self, overrides: Mapping[str, Any] | None = None) -> Resolved:
        """The condition tree with `overrides` replacing param defaults; raises ParamError."""
        overrides = dict(overrides or {})
        unknown = sorted(set(overrides) - set(self.params))
        if unknown:
            known = ", ".join(self.params) or "none"
            raise ParamError(
                [
                    f"unknown param {name!r} for segment {self.name!r} (known: {known})"
                    for name in unknown
                ]
            )
        values = {**self.params, **_coerced(overrides, self.params)}
        if not overrides:
            return Resolved(self.where, values)
        used: dict[str, str] = {}
        where = _substitute(self.raw_where, values, ("where",), used)
        try:
            checked = _CONDITION.validate_python(where)
        except ValidationError as exc:
            lines = []
            for line in format_errors(exc, ("where",)):
                path = line.split(": ", 1)[0]
                names = {name for at, name in used.items() if _within(path, at)} & set(overrides)
                given = ", ".join(f"{n}={overrides[n]!r}" for n in sorted(names))
                lines.append(f"{line} (param {given})" if given else line)
            raise ParamError(lines) from None
        return Resolved(checked, values)


def _within(path: str, prefix: str) -> bool:
    """`path` is `prefix` or a location inside it."""
    return path == prefix or path.startswith((f"{prefix}.", f"{prefix}["))


def _coerced(overrides: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Overrides shaped like their defaults: `fit,quality` for a list, `123` for a text."""
    shaped = {}
    for name, value in overrides.items():
        default = defaults.get(name)
        if isinstance(default, list) and isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        elif isinstance(default, str) and value is not None and not isinstance(value, str):
            value = str(value)
        shaped[name] = value
    return shaped


def parse_param(pair: str) -> tuple[str, Any]:
    """`name=value` from the command line or a query string; the value is a YAML scalar."""
    name, sep, text = pair.partition("=")
    if not sep or not name.strip():
        raise ParamError([f"param {pair!r}: expected name=value"])
    try:
        value = yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError:
        value = text
    return name.strip(), value


def parse_params(pairs: Sequence[str]) -> dict[str, Any]:
    """`name=value` pairs as a mapping (the last of a repeated name wins)."""
    return dict(parse_param(pair) for pair in pairs)


def _substitute(node: Any, params: Mapping[str, Any], path: Location, used: dict[str, str]) -> Any:
    """`node` with param references replaced; `used` maps value paths to param names."""
    if isinstance(node, str):
        match = _REFERENCE.match(node)
        if match is None:
            return node
        name = match.group(1) or match.group(2)
        return _lookup(name, params, path, used)
    if isinstance(node, dict):
        # Unquoted `{name}` in YAML is a mapping {name: null}: take it as the reference meant.
        if len(node) == 1:
            ((key, value),) = node.items()
            if value is None and key in params:
                return _lookup(str(key), params, path, used)
        return {key: _substitute(v, params, (*path, str(key)), used) for key, v in node.items()}
    if isinstance(node, list):
        return [_substitute(v, params, (*path, i), used) for i, v in enumerate(node)]
    return node


def _lookup(name: str, params: Mapping[str, Any], path: Location, used: dict[str, str]) -> Any:
    rendered = render_path(path, tagged=False)
    if name not in params:
        known = ", ".join(params) or "none declared"
        raise DefinitionError([f"{rendered}: unknown param {name!r} (known: {known})"])
    used[rendered] = name
    return params[name]


def parse_text(text: str, *, fmt: str = "yaml") -> Any:
    """A definition document from YAML or JSON text; raises DefinitionError."""
    try:
        return json.loads(text) if fmt == "json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise DefinitionError([f"not valid {fmt.upper()}: {exc}".splitlines()[0]]) from None


def build_segment(document: Any, *, source: Source, origin: str) -> Segment:
    """Validate a parsed document into a Segment; raises DefinitionError naming each field."""
    if not isinstance(document, dict):
        raise DefinitionError(["a definition is a mapping with name, description, params, where"])
    try:
        top = DefinitionDocument.model_validate(document)
    except ValidationError as exc:
        raise DefinitionError(format_errors(exc)) from None
    params = dict(top.params)
    where = _substitute(top.where, params, ("where",), {})
    try:
        checked = _CONDITION.validate_python(where)
    except ValidationError as exc:
        raise DefinitionError(format_errors(exc, ("where",))) from None
    return Segment(
        name=top.name,
        description=top.description.strip(),
        params=params,
        raw_where=top.where,
        where=checked,
        source=source,
        origin=origin,
    )


def load_text(
    text: str, *, fmt: str = "yaml", source: Source = "user", origin: str = ""
) -> Segment:
    """Parse and validate one definition document."""
    return build_segment(parse_text(text, fmt=fmt), source=source, origin=origin)
