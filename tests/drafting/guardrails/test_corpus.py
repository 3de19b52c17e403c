"""The corpus: at least 98% of good drafts pass and at least 95% of bad drafts are blocked."""

from __future__ import annotations

from collections import Counter

from tests.drafting.guardrails.corpus import CORPUS_POLICY, Case, let_through, wrongly_blocked
from tests.drafting.guardrails.corpus.bad import BAD
from tests.drafting.guardrails.corpus.good import GOOD

GOOD_PASS_FLOOR = 0.98
BAD_BLOCK_FLOOR = 0.95


def test_at_least_98_percent_of_good_drafts_pass() -> None:
    failures = wrongly_blocked(GOOD)

    assert 1 - len(failures) / len(GOOD) >= GOOD_PASS_FLOOR, "\n".join(failures)


def test_at_least_95_percent_of_bad_drafts_are_blocked() -> None:
    misses = let_through(BAD)

    assert 1 - len(misses) / len(BAD) >= BAD_BLOCK_FLOOR, "\n".join(misses)


def test_a_blocked_bad_draft_is_blocked_for_the_reason_it_is_in_the_corpus() -> None:
    wrong_reason = [
        f"{case.id}: expected one of {case.expect}, got {sorted(codes)}"
        for case in BAD
        if (codes := {f.code for f in case.findings() if f.severity == "block"})
        and not codes & set(case.expect)
    ]

    assert wrong_reason == []


def test_the_corpus_is_large_and_covers_every_playbook_channel_and_tricky_name() -> None:
    def covered(cases: tuple[Case, ...]) -> set[tuple[object, str]]:
        return {(case.facts.get("playbook"), case.channel) for case in cases}

    playbooks = ("recognition", "check_in", "upsell", "re_engagement", "reply")
    assert len(GOOD) >= 60 and len(BAD) >= 60
    assert {(p, c) for p in playbooks for c in ("sms", "email")} <= covered(GOOD)
    text = " ".join(case.body for case in GOOD)
    for word in ("House", "Home", "Street", "Baby", "Health", "Weight", "Black", "Pride"):
        assert word in text
    assert CORPUS_POLICY.catalog_names  # invented products are checked too


def test_every_kind_of_bad_draft_is_represented() -> None:
    kinds = Counter(code for case in BAD for code in case.expect)

    for code in (
        "invented_offer",
        "invented_price",
        "invented_code",
        "invented_product",
        "intrusive_location",
        "intrusive_surveillance",
        "sensitive_health",
        "sensitive_pregnancy",
        "name_wrong",
        "banned_phrase",
        "truncated",
        "sms_opt_out_missing",
    ):
        assert kinds[code] >= 1, code
