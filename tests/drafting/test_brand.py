"""brand.yaml: the shipped brand loads, and a broken one fails with the file and field named."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from assistant.config import get_settings
from assistant.drafting.brand import (
    DEFAULT_PROMPTS_DIR,
    Brand,
    BrandError,
    load_brand,
    prompts_dir,
)
from assistant.drafting.sms_segments import analyse
from assistant.playbooks import PLAYBOOKS


def _error(call: Callable[..., object], *args: object) -> str:
    """The message of the BrandError that `call(*args)` raises."""
    with pytest.raises(BrandError) as error:
        call(*args)
    return str(error.value)


@pytest.fixture
def brand_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "prompts"
    shutil.copytree(DEFAULT_PROMPTS_DIR, folder)
    return folder


def _edit(folder: Path, **changes: object) -> None:
    path = folder / "brand.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_the_shipped_brand_has_every_field_and_examples_for_every_playbook() -> None:
    brand = load_brand()
    assert brand.name == "Ember & Oak"
    assert brand.sender_name == "Sam"
    assert brand.voice and brand.tone and brand.words_to_use and brand.words_to_avoid
    assert brand.emoji == "never"
    assert brand.sms_opt_out_notice == "Reply STOP to opt out"
    assert (brand.sms_warn_segments, brand.sms_max_segments) == (2, 3)
    assert (brand.email_subject_max, brand.email_body_max_words) == (60, 180)
    assert "STOP" in brand.help_text
    assert set(brand.examples) == set(PLAYBOOKS)
    assert all(len(examples) >= 2 for examples in brand.examples.values())


def test_the_brand_texts_that_go_out_by_sms_are_gsm7() -> None:
    brand = load_brand()
    for text in (brand.signature("sms"), brand.sms_opt_out_notice, brand.help_text):
        assert analyse(text).encoding == "GSM-7"
    for examples in brand.examples.values():
        for example in examples:
            assert analyse(example).encoding == "GSM-7", example


def test_signatures_per_channel() -> None:
    brand = load_brand()
    assert brand.signature("sms") == "Warmly, Sam at Ember & Oak"
    assert brand.signature("email") == "Warmly,\nSam\nEmber & Oak"


def test_prompts_dir_follows_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert prompts_dir() == DEFAULT_PROMPTS_DIR
    monkeypatch.setenv("ASSISTANT_PROMPTS_DIR", str(tmp_path))
    get_settings.cache_clear()
    assert prompts_dir() == tmp_path


def test_load_brand_reads_the_configured_folder(
    brand_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _edit(brand_dir, sender_name="Riley")
    monkeypatch.setenv("ASSISTANT_PROMPTS_DIR", str(brand_dir))
    get_settings.cache_clear()
    assert load_brand().sender_name == "Riley"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"name": None}, "name: Field required"),
        ({"sender_name": ""}, "sender_name: String should have at least 1 character"),
        ({"emoji": "lots"}, "emoji: Input should be 'never', 'sparingly' or 'allowed'"),
        ({"sms_warn_segments": 4}, "sms_warn_segments (4) must not exceed sms_max_segments (3)"),
        ({"sms_max_segments": 0}, "sms_max_segments: Input should be greater than or equal to 1"),
        ({"sign_off": "Warmly \u2014"}, "sign_off: Value error, is sent by SMS"),
        ({"sms_opt_out_notice": "Text NO to leave"}, "must tell the customer to reply STOP"),
        ({"examples": {"recogniton": ["Hi"]}}, "examples: Value error, unknown playbook(s) recogn"),
        ({"words_to_avoid": ["fine", " "]}, "words_to_avoid: Value error, must not contain empty"),
        ({"colour": "blue"}, "colour: Extra inputs are not permitted"),
        ({"email_subject_max": "long"}, "email_subject_max: Input should be a valid integer"),
    ],
)
def test_invalid_fields_are_named(
    brand_dir: Path, changes: dict[str, object], expected: str
) -> None:
    _edit(brand_dir, **changes)
    with pytest.raises(BrandError) as error:
        load_brand(brand_dir)
    message = str(error.value)
    assert str(brand_dir / "brand.yaml") in message
    assert expected in message


def test_several_problems_are_reported_at_once(brand_dir: Path) -> None:
    _edit(brand_dir, name=None, voice=None)
    message = _error(load_brand, brand_dir)
    assert "name: Field required" in message and "voice: Field required" in message


def test_defaults_apply_when_optional_fields_are_left_out(brand_dir: Path) -> None:
    _edit(
        brand_dir,
        sms_opt_out_notice=None,
        sms_max_segments=None,
        sms_warn_segments=None,
        email_subject_max=None,
        email_body_max_words=None,
        emoji=None,
        examples=None,
    )
    brand = load_brand(brand_dir)
    assert brand.sms_opt_out_notice == "Reply STOP to opt out"
    assert (brand.sms_max_segments, brand.sms_warn_segments) == (3, 2)
    assert (brand.email_subject_max, brand.email_body_max_words) == (60, 180)
    assert brand.emoji == "never" and brand.examples == {}


def test_not_yaml_or_not_a_mapping(brand_dir: Path) -> None:
    path = brand_dir / "brand.yaml"
    path.write_text("name: [unclosed", encoding="utf-8")
    assert "cannot be read as YAML" in _error(load_brand, brand_dir)
    path.write_text("- just\n- a list\n", encoding="utf-8")
    message = _error(load_brand, brand_dir)
    assert f"{path}: must be a mapping of brand fields, got list" == message


def test_missing_file_and_missing_folder(tmp_path: Path) -> None:
    message = _error(load_brand, tmp_path)
    assert str(tmp_path / "brand.yaml") in message and "not found" in message
    gone = tmp_path / "nowhere"
    message = _error(load_brand, gone)
    assert f"prompts directory {gone} does not exist" in message
    assert "ASSISTANT_PROMPTS_DIR" in message


def test_brand_is_immutable() -> None:
    brand = load_brand()
    with pytest.raises(ValueError, match="frozen"):
        brand.name = "Other"  # type: ignore[misc]
    assert isinstance(brand, Brand)


def test_the_brand_is_parsed_once_and_read_again_when_the_file_changes(brand_dir: Path) -> None:
    first = load_brand(brand_dir)
    assert load_brand(brand_dir) is first  # unchanged file: the parsed brand is shared
    _edit(brand_dir, name="Oak & Ember Renamed")
    assert load_brand(brand_dir).name == "Oak & Ember Renamed"
    (brand_dir / "brand.yaml").unlink()
    assert "not found" in _error(load_brand, brand_dir)
