"""The one CSV reader of every import (cases, payments): decoding, the header, physical lines.

A file is UTF-8 (a BOM is dropped) or Shift_JIS as Windows writes it (CP932). Records are
numbered by the physical line where they start (the header is line 1), so a row with a quoted
multi-line value is reported at its first line; blank records are skipped. A file whose
header cannot be read (empty, binary, a quote opened in the header and never closed, which
would swallow the whole file into the header) raises FileError: the import fails with that
message instead of finishing with 0 rows.
"""

import csv
import io
from collections.abc import Iterator


class FileError(ValueError):
    """The file as a whole cannot be imported (encoding, not CSV, header); the message says why."""


def decode(content: bytes) -> str:
    """UTF-8 (a BOM is dropped), else Shift_JIS as Windows writes it (CP932)."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            raise FileError("not a CSV file (it contains binary data)")
        return text
    raise FileError("the file is neither UTF-8 nor Shift_JIS (CP932) text")


def records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first physical line, fields) of every non-blank record of `text`."""
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for record in reader:
            if (record and record[0].strip()) or any(value.strip() for value in record):
                yield start, record
            start = reader.line_num + 1
    except csv.Error as exc:
        raise FileError(f"not a readable CSV file (line {reader.line_num}): {exc}") from exc


def read_header(text: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header's column names (stripped, lower case) and an iterator over the data records.

    Raises FileError when the file is empty, the header is not on line 1, a header value runs
    over several lines (an unterminated quote), or a column name is repeated."""
    reader = records(text)
    first = next(reader, None)
    if first is None:
        raise FileError("the file is empty")
    line, record = first
    if line != 1:
        raise FileError("the header row must be the first line")
    if any("\n" in name or "\r" in name for name in record):
        raise FileError("the header row cannot be read (line 1): a quote in it is not closed")
    columns = [name.strip().lower() for name in record]
    duplicates = sorted({c for c in columns if c and columns.count(c) > 1})
    if duplicates:
        raise FileError("duplicate header columns: " + ", ".join(duplicates))
    return columns, reader


def stripped(columns: list[str], data: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list | None]]:
    """Each data record's stripped values; None when its field count is not the header's."""
    width = len(columns)
    for line, record in data:
        yield line, ([value.strip() for value in record] if len(record) == width else None)


def rows(columns: list[str], data: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, dict | None]]:
    """Each data record as {column: stripped value}; None when its field count is not the header's."""
    for line, values in stripped(columns, data):
        yield line, (dict(zip(columns, values, strict=True)) if values is not None else None)
