"""The opt-out rules measured on the labelled corpus (tests/conversations/data/opt_out_corpus.csv).

Labels: `opt_out` (must opt out), `possible` (close to one: must not opt out, should be
flagged for staff), `other` (must not opt out). Print the figures with
`python -m tests.conversations.opt_out_figures`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from assistant.conversations.opt_outs import read

CORPUS = Path(__file__).parent / "data" / "opt_out_corpus.csv"
LABELS = ("opt_out", "possible", "other")


@dataclass(frozen=True)
class Row:
    """One labelled inbound text."""

    text: str
    label: str
    language: str
    note: str


@dataclass(frozen=True)
class Figures:
    """Counts and rates of the rules on the corpus."""

    total: int
    opt_outs: int
    caught: int
    non_opt_outs: int
    false_opt_outs: int
    possible: int
    flagged: int
    missed: tuple[str, ...]
    wrongly_opted_out: tuple[str, ...]

    @property
    def recall(self) -> float:
        return self.caught / self.opt_outs

    @property
    def false_opt_out_rate(self) -> float:
        return self.false_opt_outs / self.non_opt_outs

    def lines(self) -> list[str]:
        return [
            f"texts: {self.total} ({self.opt_outs} opt-outs, {self.non_opt_outs} others, "
            f"of which {self.possible} possible opt-outs)",
            f"opt-outs caught: {self.caught}/{self.opt_outs} (recall {self.recall:.1%})",
            f"false opt-outs: {self.false_opt_outs}/{self.non_opt_outs} "
            f"({self.false_opt_out_rate:.1%})",
            f"possible opt-outs flagged for staff: {self.flagged}/{self.possible}",
        ]


def load() -> list[Row]:
    """Every labelled text of the corpus."""
    with CORPUS.open(encoding="utf-8", newline="") as handle:
        return [
            Row(r["text"], r["label"], r["language"], r["note"]) for r in csv.DictReader(handle)
        ]


def measure(rows: list[Row]) -> Figures:
    """The rules' reading of every row, against its label."""
    opted = {row.text: (reading := read(row.text)).match is not None
             and reading.match.intent == "opt_out" for row in rows}  # fmt: skip
    flagged = {row.text: read(row.text).possible_opt_out for row in rows}
    opt_outs = [r for r in rows if r.label == "opt_out"]
    others = [r for r in rows if r.label != "opt_out"]
    possible = [r for r in rows if r.label == "possible"]
    return Figures(
        total=len(rows),
        opt_outs=len(opt_outs),
        caught=sum(opted[r.text] for r in opt_outs),
        non_opt_outs=len(others),
        false_opt_outs=sum(opted[r.text] for r in others),
        possible=len(possible),
        flagged=sum(flagged[r.text] for r in possible),
        missed=tuple(r.text for r in opt_outs if not opted[r.text]),
        wrongly_opted_out=tuple(r.text for r in others if opted[r.text]),
    )


if __name__ == "__main__":
    for line in measure(load()).lines():
        print(line)
