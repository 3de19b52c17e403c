"""Definition documents: validation errors that name the field, params, user files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.segments.definition import load_text, parse_params
from assistant.segments.errors import DefinitionError, ParamError, UnknownSegment
from assistant.segments.registry import load_catalog


def _problems(where_yaml: str, params: str = "{}") -> list[str]:
    text = f"name: broken\nparams: {params}\nwhere:\n" + "\n".join(
        "  " + line for line in where_yaml.strip().splitlines()
    )
    with pytest.raises(DefinitionError) as caught:
        load_text(text)
    return caught.value.problems


@pytest.mark.parametrize(
    ("where_yaml", "expected"),
    [
        (
            "all:\n  - {metric: r_score, gte: 4}\n  - {orders: {}}\n  - {metric: clv, gte: 1}",
            "where.all[2].metric: unknown metric 'clv' (known: orders_count, recency_days,",
        ),
        ("{metric: aov, gtee: 3}", "where.gtee: unknown key"),
        ("{metric: r_score, gte: high}", "where.gte: r_score compares with number values"),
        ("{metric: rfm_label, gt: loyal}", "where.gt: rfm_label cannot be ordered"),
        ("{metric: rfm_label, eq: champion}", "where.eq: unknown rfm_label 'champion'"),
        ("{metric: aov}", "where.metric: give an operator"),
        ("{metric: aov, top_percent: 0}", "where.top_percent: Input should be greater than 0"),
        ("{metric: rfm_label, top_percent: 5}", "where.top_percent: rfm_label is not numeric"),
        ("any:\n  - {metrc: aov}", "where.any[0]: expected one condition key of all, any, not,"),
        ("any: []", "where.any: List should have at least 1 item"),
        ("not: {customer: shoe_size, eq: 1}", "where.not.customer: unknown customer field"),
        ("{customer: sms_consent, eq: maybe}", "where.eq: sms_consent compares with bool values"),
        ("{orders: {within_days: 0}}", "where.orders.within_days: Input should be greater than"),
        ("{orders: {within_days: '7'}}", "where.orders.within_days: Input should be a valid int"),
        ("{orders: {min_count: 3, max_count: 2}}", "where.orders.max_count: must be at least"),
        ("{product_repeat: {min_purchases: 1}}", "where.product_repeat.min_purchases:"),
        ("{product_repeat: {count_by: week}}", "where.product_repeat.count_by: Input should be"),
        (
            "{returned: {relaunched_within_days: 30}}",
            "where.returned.relaunched_within_days: needs relaunched_after: true",
        ),
        ("{event: {within_days: 3}}", "where.event.kind: required"),
        (
            "{milestone: {orders: 10, tenure_years: 2, within_days: 30}}",
            "where.milestone.tenure_years: give exactly one milestone",
        ),
        ("{milestone: {orders: 10}}", "where.milestone.within_days: required"),
        ("{attribute: 'a\"b', exists: true}", "where.attribute: String should match pattern"),
        (
            "all:\n  - {milestone: {lifetime_spend: $spend, within_days: 30}}",
            "where.all[0].milestone.lifetime_spend: unknown param 'spend' (known: none declared)",
        ),
    ],
)
def test_validation_errors_name_the_offending_field(where_yaml: str, expected: str) -> None:
    problems = _problems(where_yaml)
    assert any(p.startswith(expected) for p in problems), problems


def test_every_problem_is_reported_at_once() -> None:
    problems = _problems("all:\n  - {metric: clv, gte: 1}\n  - {orders: {within_days: -1}}")
    assert [p.split(":")[0] for p in problems] == [
        "where.all[0].metric",
        "where.all[1].orders.within_days",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: Bad-Name\nwhere: {orders: {}}", "name: String should match pattern"),
        ("name: x\nwhere: {orders: {}}\ncolour: red", "colour: unknown key"),
        ("name: x", "where: required"),
        ("name: x\nparams: [1]\nwhere: {orders: {}}", "params: Input should be a valid dict"),
        ("- a list", "a definition is a mapping"),
        ("name: x\nwhere: {orders: {]", "not valid YAML"),
    ],
)
def test_document_errors(text: str, expected: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        load_text(text)
    assert any(expected in p for p in caught.value.problems), caught.value.problems


def test_param_references_in_every_spelling() -> None:
    segment = load_text(
        """
name: spellings
params: {spend: 5000, days: 30, reasons: [fit]}
where:
  all:
    - milestone: {lifetime_spend: $spend, within_days: {days}}
    - returned: {reasons: "{reasons}"}
"""
    )
    milestone = segment.where.all[0].milestone  # type: ignore[union-attr]
    assert (milestone.lifetime_spend, milestone.within_days) == (5000, 30)
    assert segment.where.all[1].returned.reasons == ["fit"]  # type: ignore[union-attr]


def test_overrides_are_coerced_and_checked() -> None:
    segment = load_text(
        "name: s\nparams: {days: 7, reasons: [fit], kind: viewed}\nwhere:\n  all:\n"
        "    - orders: {within_days: $days}\n    - returned: {reasons: $reasons}\n"
        "    - event: {kind: $kind}\n"
    )
    resolved = segment.resolve(parse_params(["days=14", "reasons=fit, quality", "kind=404"]))
    assert resolved.params == {"days": 14, "reasons": ["fit", "quality"], "kind": "404"}
    with pytest.raises(ParamError) as caught:
        segment.resolve(parse_params(["days=soon"]))
    assert caught.value.problems == [
        "where.all[0].orders.within_days: Input should be a valid integer (param days='soon')"
    ]
    with pytest.raises(ParamError, match="unknown param 'weeks' for segment 's' \\(known: days"):
        segment.resolve({"weeks": 2})
    with pytest.raises(ParamError, match="expected name=value"):
        parse_params(["days"])
    assert parse_params(["days=", "x=[1, 2]", "y=true"]) == {"days": None, "x": [1, 2], "y": True}


def test_user_files_add_and_override_segments(tmp_path: Path) -> None:
    (tmp_path / "vip.yaml").write_text(
        "name: vip\ndescription: Our own VIPs\nwhere: {attribute: tier, eq: gold}\n"
    )
    (tmp_path / "browsers.json").write_text(
        json.dumps({"name": "browsers", "where": {"event": {"kind": "viewed_product"}}})
    )
    (tmp_path / "broken.yml").write_text("name: broken\nwhere: {metric: clv, gte: 1}\n")
    (tmp_path / "zz_again.yaml").write_text("name: browsers\nwhere: {orders: {}}\n")
    (tmp_path / "notes.txt").write_text("not a definition")
    catalog = load_catalog(tmp_path)
    assert catalog.segments["vip"].source == "user"
    assert catalog.segments["vip"].description == "Our own VIPs"
    assert catalog.segments["browsers"].origin.endswith("browsers.json")
    assert catalog.segments["milestone"].source == "builtin"
    assert "broken" not in catalog.segments
    # Files are read in name order; the first definition of a name wins.
    assert len(catalog.problems) == 2
    assert catalog.problems[0].startswith(
        f"{tmp_path / 'broken.yml'}: where.metric: unknown metric 'clv' (known: "
    )
    assert catalog.problems[1] == (
        f"{tmp_path / 'zz_again.yaml'}: segment 'browsers' is already defined in "
        f"{tmp_path / 'browsers.json'}"
    )
    # A broken file never falls back silently: its name fails with the file's problems.
    with pytest.raises(DefinitionError, match=r"broken\.yml: where\.metric: unknown metric"):
        catalog.get("broken")
    with pytest.raises(UnknownSegment, match=r"unknown segment 'gone'.*2 problem"):
        catalog.get("gone")


def test_a_broken_override_of_a_builtin_hides_the_builtin(tmp_path: Path) -> None:
    (tmp_path / "vip.yaml").write_text("name: vip\nwhere: {metric: aov, top_percent: 120}\n")
    catalog = load_catalog(tmp_path)
    assert "vip" not in catalog.segments
    with pytest.raises(DefinitionError, match=r"vip\.yaml: where\.top_percent: Input should be"):
        catalog.get("vip")


def test_the_segments_folder_is_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.config import get_settings

    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "gold.yaml").write_text("name: gold\nwhere: {attribute: tier, eq: gold}")
    monkeypatch.setenv("ASSISTANT_SEGMENTS_DIR", str(tmp_path / "mine"))
    get_settings.cache_clear()
    assert load_catalog().segments["gold"].source == "user"
    monkeypatch.delenv("ASSISTANT_SEGMENTS_DIR")
    get_settings.cache_clear()
    assert "gold" not in load_catalog().segments  # default ./segments does not exist here


def test_attribute_values_keep_their_yaml_type_and_compare_as_text() -> None:
    from assistant.segments.compiler import _text

    segment = load_text("name: s\nwhere: {attribute: newsletter, in: [yes, 42, 2.5, gold]}")
    values = segment.where.in_  # type: ignore[union-attr]
    assert values == [True, 42, 2.5, "gold"]
    assert _text(values) == ["true", "42", "2.5", "gold"]
