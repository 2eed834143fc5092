"""Reading and checking the next chunk's rows in a thread while the current chunk is written.

What a row needs before the database is consulted (its values as a dict, its hash, the checks of
`csv_rows.parse_row`, the phone numbers above all) is pure Python on the row alone, so a reader
thread does it for chunk N+1 while the import waits for PostgreSQL on chunk N (the wait releases
the interpreter lock): on a first import about a third of the time was spent waiting so. Rows
the file's stored matches name (`unchanged_rows.StoredMatches`) are left unparsed: they are
skipped, or, rarely, parsed when the chunk finds they may not be. The thread never touches the
database or the import's context; the chunks are handed over in the file's order.
"""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice

from app.cases.csv_rows import ImportRow, RowError, parse_row


@dataclass(slots=True)
class PreparedRow:
    line: int
    values: list[str] | None  # stripped values in the header's order; None: wrong field count
    raw: dict[str, str] | None = None  # column -> value, when prepared
    digest: bytes | None = None  # unchanged_rows' row hash, when prepared
    parsed: tuple[ImportRow | None, list[RowError]] | None = None  # parse_row's answer, when prepared

    def as_raw(self, columns) -> dict[str, str] | None:
        if self.raw is None and self.values is not None:
            self.raw = dict(zip(columns, self.values, strict=True))
        return self.raw


def prepare(records, columns: tuple, width: int, digest, is_matched) -> list[PreparedRow]:
    """The chunk's records, each unmatched one with its dict, hash and checks done."""
    chunk = []
    for line, values in records:
        row = PreparedRow(line, values)
        if not is_matched(line):
            if values is not None:
                row.digest = digest(values)
            row.parsed = parse_row(line, row.as_raw(columns), width)
        chunk.append(row)
    return chunk


def read_ahead(records: Iterator, size: int, columns: tuple, width: int, digest,
               is_matched) -> Iterator[list[PreparedRow]]:
    """The prepared chunks of `records`, the next one prepared in a thread meanwhile."""
    def next_chunk() -> list[PreparedRow]:
        return prepare(list(islice(records, size)), columns, width, digest, is_matched)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-read-ahead") as pool:
        pending = pool.submit(next_chunk)
        while chunk := pending.result():
            pending = pool.submit(next_chunk)
            yield chunk
