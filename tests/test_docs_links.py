"""README.md and docs/*.md link only to files inside the repository, and those files exist.

A clone is all a reader has: a link or path to a sibling folder, a home directory or a
machine's absolute path is broken for everyone else.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

MARKDOWN_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)", re.MULTILINE)
# A path into a parent folder, or an absolute path on some machine.
OUTSIDE = re.compile(
    r"(?<![\w.])\.\./"
    r"|(?<![\w:/.~-])(?:/(?:work|home|root|tmp|Users|opt|srv|mnt|var)/|~/|[A-Z]:\\)"
)
# A file named in prose or code (`docs/metrics.md`, prompts/brand.yaml) with a folder part.
NAMED_FILE = re.compile(r"(?<![\w./:-])((?:[\w.-]+/)+[\w.-]+\.(?:md|py|ya?ml|json|toml|ini|sh))\b")
# The deployment guide names where the service is installed on a server (not this machine).
SERVER_PATHS = {"deployment.md": re.compile(r"/srv/assistant\b")}
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|#)", re.IGNORECASE)


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(ROOT)) for p in paths]


@pytest.mark.parametrize("document", DOCUMENTS, ids=_ids(DOCUMENTS))
def test_links_stay_inside_the_repository_and_resolve(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    problems: list[str] = []
    server_paths = SERVER_PATHS.get(document.name)
    for number, line in enumerate(text.splitlines(), 1):
        checked = server_paths.sub("", line) if server_paths else line
        if OUTSIDE.search(checked):
            problems.append(f"{number}: points outside the repository: {line.strip()!r}")
        targets = MARKDOWN_LINK.findall(line) + REFERENCE_LINK.findall(line)
        for target in targets:
            if EXTERNAL.match(target):
                continue
            path = target.split("#", 1)[0]
            resolved = (document.parent / path).resolve()
            if not resolved.is_relative_to(ROOT):
                problems.append(f"{number}: link leaves the repository: {target}")
            elif not resolved.exists():
                problems.append(f"{number}: broken link: {target}")
        for name in NAMED_FILE.findall(line):
            candidates = [ROOT / name, document.parent / name]
            if not any(c.resolve().exists() for c in candidates):
                problems.append(f"{number}: names a file that is not in the repository: {name}")
    assert not problems, f"{document.relative_to(ROOT)}:\n" + "\n".join(problems)


def test_the_checks_catch_what_they_should() -> None:
    assert OUTSIDE.search("see ../shared/notes.md")
    assert OUTSIDE.search("at /work/shared/ARCHITECTURE.md")
    assert OUTSIDE.search("in ~/notes")
    assert not OUTSIDE.search("https://api.slack.com/apps and docs/import.md and 20:00/09:00")
    assert MARKDOWN_LINK.findall('[a](docs/x.md) and [b](<y.md>) [c](d.md "t")') == [
        "docs/x.md",
        "y.md",
        "d.md",
    ]
    assert NAMED_FILE.findall("per shared/protocol-facts.md, and `prompts/brand.yaml`") == [
        "shared/protocol-facts.md",
        "prompts/brand.yaml",
    ]
