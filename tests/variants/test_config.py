"""variants.yaml: the shipped example, no file, and one-line errors naming file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.drafting.brand import DEFAULT_PROMPTS_DIR
from assistant.variants.config import UnknownVariant, VariantsConfigError, load_variants

GOOD = """
playbooks:
  upsell:
    plain: {}
    short:
      instruction: Keep it shorter.
      weight: 3
"""


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "variants.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "recognition.md").write_text("x", encoding="utf-8")
    return tmp_path


def test_the_shipped_example_tests_recognition_with_a_second_template() -> None:
    config = load_variants(DEFAULT_PROMPTS_DIR)
    variants = config.variants_of("recognition")
    assert [v.name for v in variants] == ["thanks", "early_access"]
    assert [v.weight for v in variants] == [1.0, 1.0]
    assert variants[0].prompt is None and variants[0].instruction is None
    assert variants[1].prompt == "recognition_early_access"
    assert variants[1].instruction and "Never invent an offer" in variants[1].instruction
    assert (DEFAULT_PROMPTS_DIR / "recognition_early_access.md").is_file()


def test_no_file_means_no_variants(tmp_path: Path) -> None:
    config = load_variants(tmp_path)
    assert dict(config.playbooks) == {} and config.path is None
    with pytest.raises(UnknownVariant, match="playbooks with variants: none"):
        config.variants_of("recognition")


def test_weights_default_to_equal_and_unknown_names_list_the_valid_ones(tmp_path: Path) -> None:
    config = load_variants(_write(tmp_path, GOOD))
    assert [(v.name, v.weight) for v in config.variants_of("upsell")] == [
        ("plain", 1.0),
        ("short", 3.0),
    ]
    with pytest.raises(UnknownVariant, match=r"no variant 'shrot'.*did you mean 'short'"):
        config.variant("upsell", "shrot")
    with pytest.raises(UnknownVariant, match="playbook 'recognition' has no variants"):
        config.variant("recognition", "plain")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("playbooks: [1, 2", "not valid YAML (line"),
        ("- a\n- b\n", "must be a mapping with a 'playbooks' key"),
        ("playbook: {}\n", "playbook: Extra inputs are not permitted"),
        (
            "playbooks:\n  upsell:\n    a: {weight: 0}\n    b: {}\n",
            "playbooks.upsell.a.weight: Input should be greater than 0",
        ),
        (
            "playbooks:\n  upsell:\n    a: {wieght: 2}\n    b: {}\n",
            "playbooks.upsell.a.wieght: Extra inputs are not permitted",
        ),
        ("playbooks:\n  upsell:\n    a: {}\n", "playbooks.upsell: needs 2 to 4 variants, got 1"),
        (
            "playbooks:\n  upsell: {a: {}, b: {}, c: {}, d: {}, e: {}}\n",
            "needs 2 to 4 variants, got 5",
        ),
        (
            "playbooks:\n  upsel:\n    a: {}\n    b: {}\n",
            "playbooks.upsel: not a playbook with variants (did you mean 'upsell'?)",
        ),
        ("playbooks:\n  reply:\n    a: {}\n    b: {}\n", "playbooks.reply: not a playbook"),
        (
            "playbooks:\n  upsell:\n    A-1: {}\n    b: {}\n",
            "playbooks.upsell.A-1: a variant name is 1-40 lower-case letters",
        ),
        (
            "playbooks:\n  upsell:\n    a: {prompt: missing}\n    b: {}\n",
            "playbooks.upsell.a.prompt: no template missing.md in",
        ),
        (
            "playbooks:\n  upsell:\n    a: {instruction: '" + "x" * 301 + "'}\n    b: {}\n",
            "playbooks.upsell.a.instruction: String should have at most 300 characters",
        ),
    ],
)
def test_a_mistake_is_one_line_naming_the_file_and_the_field(
    tmp_path: Path, text: str, problem: str
) -> None:
    folder = _write(tmp_path, text)
    with pytest.raises(VariantsConfigError) as caught:
        load_variants(folder)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{folder / 'variants.yaml'}: ")
    assert problem in message
