"""Find segments: the built-ins, then user files from a folder (which override by name)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from assistant.config import get_settings
from assistant.segments.definition import Segment, build_segment, load_text, parse_text
from assistant.segments.definitions import BUILTIN_DOCUMENTS
from assistant.segments.errors import DefinitionError, SegmentError, UnknownSegment

SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}


@dataclass(frozen=True)
class Catalog:
    """Every usable segment by name, and the problems of user files that are not usable."""

    segments: dict[str, Segment]
    problems: list[str] = field(default_factory=list)
    # Names whose user file is invalid: never replaced silently by a built-in.
    broken: dict[str, list[str]] = field(default_factory=dict)

    def get(self, name: str) -> Segment:
        """The segment called `name`; raises DefinitionError for a broken user file, else
        UnknownSegment (listing unusable user files)."""
        if name in self.broken:
            raise DefinitionError(self.broken[name])
        try:
            return self.segments[name]
        except KeyError:
            raise UnknownSegment(name, sorted(self.segments), self.problems) from None


@lru_cache(maxsize=1)
def builtin_segments() -> dict[str, Segment]:
    """The built-in segments by name (validated once per process)."""
    segments = [load_text(text, source="builtin", origin="builtin") for text in BUILTIN_DOCUMENTS]
    return {segment.name: segment for segment in segments}


@dataclass
class UserFiles:
    """What a folder of definitions holds."""

    segments: list[Segment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    broken: dict[str, list[str]] = field(default_factory=dict)


def user_segments(folder: Path) -> UserFiles:
    """The definitions in `folder` (*.yaml, *.yml, *.json), and the problems of bad files."""
    found = UserFiles()
    if not folder.is_dir():
        return found
    seen: dict[str, Path] = {}
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES):
        document = None
        try:
            document = parse_text(
                path.read_text(encoding="utf-8"), fmt=SUFFIXES[path.suffix.lower()]
            )
            segment = build_segment(document, source="user", origin=str(path))
        except (OSError, UnicodeDecodeError) as exc:
            found.problems.append(f"{path}: cannot read: {exc}")
            continue
        except SegmentError as exc:
            lines = [f"{path}: {problem}" for problem in exc.problems]
            found.problems += lines
            name = document.get("name") if isinstance(document, dict) else None
            if isinstance(name, str):
                found.broken.setdefault(name, []).extend(lines)
            continue
        if segment.name in seen:
            first = seen[segment.name]
            found.problems.append(f"{path}: segment {segment.name!r} is already defined in {first}")
            continue
        seen[segment.name] = path
        found.segments.append(segment)
    return found


def load_catalog(folder: Path | None = None) -> Catalog:
    """Built-ins overlaid by the user files of `folder` (default: ASSISTANT_SEGMENTS_DIR)."""
    folder = folder if folder is not None else Path(get_settings().app.segments_dir)
    segments = dict(builtin_segments())
    users = user_segments(folder)
    segments.update({segment.name: segment for segment in users.segments})
    for name in users.broken:
        segments.pop(name, None)
    return Catalog(dict(sorted(segments.items())), users.problems, users.broken)
