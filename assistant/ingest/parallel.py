"""Validate rows in worker processes, for files whose checks dominate import time.

Checking a customer row (email-validator, phonenumbers) costs about 50 µs, fifty times
more than reading it, so customers.csv is validated by a pool of processes while this
process streams the accepted rows into the database. Chunks keep their order, and only a
few are in flight at once, so memory stays bounded whatever the file size.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field

from assistant.ingest.reader import ErrorLog, Layout, RowReader, validated_rows
from assistant.ingest.specs import FileSpec, file_specs

CHUNK_ROWS = 2_000

_worker_specs: dict[str, FileSpec] = {}


# (line, cells, why the row was unreadable) as the parent's csv reader saw it
_Chunk = list[tuple[int, list[str], str | None]]


@dataclass
class _ChunkReader:
    """Replays a chunk as the parent's csv reader read it, `line_num` and `error` included."""

    rows: _Chunk
    line_num: int = 0
    error: str | None = None
    _position: int = field(default=0, repr=False)

    def __iter__(self) -> Iterator[list[str]]:
        return self

    def __next__(self) -> list[str]:
        if self._position >= len(self.rows):
            raise StopIteration
        self.line_num, row, self.error = self.rows[self._position]
        self._position += 1
        return row


def _init_worker(default_region: str, default_currency: str, brand_zone: str) -> None:
    _worker_specs.update(
        file_specs(
            default_region=default_region, default_currency=default_currency, brand_zone=brand_zone
        )
    )


def _validate_chunk(
    kind: str, layout: Layout, rows: _Chunk
) -> tuple[list[tuple[object, ...]], list[tuple[int, str | None, str]]]:
    errors = ErrorLog(kind, list_limit=len(rows) * (len(layout.indexes) + 1))
    valid = list(validated_rows(_ChunkReader(rows), _worker_specs[kind], layout, errors))
    return valid, [(e.line, e.column, e.reason) for e in errors.listed]


def _chunks(reader: RowReader) -> Iterator[_Chunk]:
    chunk: _Chunk = []
    for row in reader:
        chunk.append((reader.line_num, row, reader.error))
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def validated_rows_in_workers(
    reader: RowReader,
    spec: FileSpec,
    layout: Layout,
    errors: ErrorLog,
    *,
    default_region: str,
    default_currency: str,
    brand_zone: str,
    workers: int | None = None,
) -> Iterator[tuple[object, ...]]:
    """Like `reader.validated_rows`, with the checks spread over worker processes."""
    workers = workers or max(os.cpu_count() or 1, 2)
    # spawn, not fork: the parent holds database connections a child must not inherit.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(default_region, default_currency, brand_zone),
    ) as pool:
        pending: deque[Future[tuple[list[tuple[object, ...]], list[tuple[int, str | None, str]]]]]
        pending = deque()
        chunks = _chunks(reader)
        for chunk in chunks:
            pending.append(pool.submit(_validate_chunk, spec.kind, layout, chunk))
            if len(pending) >= 2 * workers:
                yield from _collect(pending.popleft().result(), errors)
        while pending:
            yield from _collect(pending.popleft().result(), errors)


def _collect(
    result: tuple[list[tuple[object, ...]], list[tuple[int, str | None, str]]], errors: ErrorLog
) -> list[tuple[object, ...]]:
    valid, problems = result
    for line, column, reason in problems:
        errors.add(line, column, reason)
    return valid
