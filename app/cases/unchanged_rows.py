"""Rows a re-import can skip: the very row that last wrote a charge.

Every charge keeps the hash of the CSV row (its values in the file's column order, and that
order) that last created or updated it (`charges.row_hash`). A row whose hash a charge holds
would write what the charge, its case, its taxpayer and phones already hold (nothing else in the
app edits those), so it is not parsed again: a re-import of an unchanged file, or the unchanged
95 % of a full snapshot, costs a hash per row instead of a parse (the phone numbers' above all).
A skipped row still counts as imported, still names its charge (mode full) and, from an extract
of another day, still moves its case's extract time. It is not skipped when the case is outside
the importer's department or the row repeats a charge of an earlier line (both go through the
checks, and are reported).

The stored charges the file's rows match are found once, before the first chunk
(`StoredMatches.find`): on PostgreSQL the file's hashes are copied into a temporary table and
joined with the charges in one statement (a look-up per chunk, with its array of a thousand
hashes bound through the ORM, cost most of a re-import). The matches are kept as arrays in line
order, which the chunks then walk: a few bytes a row.
"""

import functools
import hashlib
from array import array

from sqlalchemy import select

from app.cases.bulk_write import in_
from app.cases.models import Case, Charge, ImportMode
from app.extensions import db
from app.sql import is_postgres

_LOOKUP_BATCH = 1000  # hashes per query where there is no COPY (SQLite)


def row_hash(columns: tuple, values) -> bytes:
    """128 bits of the row's (stripped) values and the file's columns."""
    return hasher(columns)(values)


@functools.lru_cache(maxsize=8)
def hasher(columns: tuple):
    """`row_hash` of a file's rows, the columns' part joined once."""
    prefix = ("\x1f".join(columns) + "\x1e").encode()
    blake2b = hashlib.blake2b

    def digest(values) -> bytes:
        return blake2b(prefix + "\x1f".join(values).encode(), digest_size=16).digest()

    return digest


class StoredMatches:
    """The lines of a file whose row hash a stored charge holds, with that charge, in line order."""

    def __init__(self, lines=(), charges=(), cases=(), departments=(), same_day=()):
        """Five aligned columns, in increasing line order."""
        self.lines, self.charges, self.cases = array("q", lines), array("q", charges), array("q", cases)
        self.departments, self.same_day = array("q", departments), bytearray(same_day)
        self._next = 0

    @classmethod
    def of_rows(cls, found) -> "StoredMatches":
        """From (line, charge id, case id, department id, same day) tuples in any order."""
        return cls(*_columns_by_line(found))

    def __len__(self) -> int:
        return len(self.lines)

    @classmethod
    def find(cls, columns: tuple, records, extract_on) -> "StoredMatches":
        """Hash every row of `records` ((line, stripped values or None)) and find the charges."""
        digest = hasher(columns)
        hashes = ((line, digest(values)) for line, values in records if values is not None)
        if is_postgres():
            return cls(*_find_by_copy(hashes, extract_on))
        return cls.of_rows(_find_by_batches(hashes, extract_on))

    def at(self, line: int) -> tuple[int, int, int, bool] | None:
        """(charge id, case id, department id, extract of the same day) of `line`, else None.
        Lines must be asked in increasing order (the chunks' order)."""
        lines, i = self.lines, self._next
        while i < len(lines) and lines[i] < line:
            i += 1
        self._next = i
        if i < len(lines) and lines[i] == line:
            return self.charges[i], self.cases[i], self.departments[i], bool(self.same_day[i])
        return None


def _find_by_copy(hashes, extract_on) -> tuple[list, ...]:
    """The matches as five arrays (PostgreSQL parses them for psycopg at C speed)."""
    raw = db.session.connection().connection.driver_connection
    with raw.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE import_row_hashes (line bigint, row_hash bytea) ON COMMIT DROP")
        with cursor.copy("COPY import_row_hashes (line, row_hash) FROM STDIN") as copy:
            for line, digest in hashes:
                copy.write_row((line, digest))
        cursor.execute("ANALYZE import_row_hashes")
        # One aggregation over rows sorted by line: the five arrays stay aligned.
        cursor.execute(
            "SELECT array_agg(line), array_agg(charge_id), array_agg(case_id), array_agg(department_id),"
            " array_agg(same_day) FROM (SELECT h.line, ch.id AS charge_id, ch.case_id, c.department_id,"
            " c.extract_on IS NOT DISTINCT FROM %s AS same_day"
            " FROM import_row_hashes h JOIN charges ch ON ch.row_hash = h.row_hash"
            " JOIN cases c ON c.id = ch.case_id ORDER BY h.line) m", (extract_on,))
        columns = cursor.fetchone()
        cursor.execute("DROP TABLE import_row_hashes")
    if columns[0] is None:
        return [], [], [], [], []
    return in_line_order(columns)


def in_line_order(columns):
    """The aligned columns sorted by their first (the line), if they are not already (the
    planner is free to aggregate in another order than the subquery's)."""
    lines = columns[0]
    if any(a >= b for a, b in zip(lines, lines[1:], strict=False)):
        return _columns_by_line(zip(*columns, strict=True))
    return columns


def _columns_by_line(rows) -> list:
    """(line, ...) rows sorted by line, turned into five columns."""
    return list(zip(*sorted(rows), strict=True)) or [(), (), (), (), ()]


def _find_by_batches(hashes, extract_on) -> list[tuple]:
    ch, c = Charge.__table__.c, Case.__table__.c
    found: list[tuple] = []
    batch: dict[bytes, list[int]] = {}

    def look_up():
        for r in db.session.execute(
                select(ch.row_hash, ch.id, ch.case_id, c.department_id, c.extract_on)
                .join_from(Charge.__table__, Case.__table__, ch.case_id == c.id)
                .where(in_(ch.row_hash, list(batch)))):
            found.extend((line, r.id, r.case_id, r.department_id, r.extract_on == extract_on)
                         for line in batch[r.row_hash])
        batch.clear()

    for line, digest in hashes:
        batch.setdefault(digest, []).append(line)
        if len(batch) >= _LOOKUP_BATCH:
            look_up()
    if batch:
        look_up()
    return found


def skip(ctx, records: list) -> tuple[list, dict[int, bytes], int, set[int]]:
    """Split a chunk of (line, record as read) (`CsvFile.raw_records`): (the records to parse as
    (line, stripped values or None for a wrong field count), their hashes by line, rows skipped,
    cases whose extract time moves). A skipped record is never stripped."""
    digest = hasher(tuple(ctx.columns))
    width = len(ctx.columns)
    matches = ctx.stored_matches
    kept, skipped, moved = [], 0, set()
    hashes: dict[int, bytes] = {}
    for line, record in records:
        if len(record) != width:
            kept.append((line, None))
            continue
        found = matches.at(line)
        if found is not None:
            charge_id, case_id, department_id, same_day = found
            if (charge_id not in ctx.charge_ids_named
                    and (ctx.scope_department_id is None or department_id == ctx.scope_department_id)):
                ctx.charge_ids_named[charge_id] = line
                ctx.named_departments.add(department_id)
                ctx.counted_cases.add(case_id)
                if ctx.mode == ImportMode.FULL:
                    ctx.seen_charges.add(charge_id)
                if not same_day:
                    moved.add(case_id)
                skipped += 1
                continue
        values = [value.strip() for value in record]
        hashes[line] = digest(values)
        kept.append((line, values))
    return kept, hashes, skipped, moved


def nothing_to_match() -> bool:
    """No stored charge has a row hash (a first import): the look-up can be left out."""
    return db.session.scalar(select(Charge.id).where(Charge.row_hash.is_not(None)).limit(1)) is None

