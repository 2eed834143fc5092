"""Rows a re-import can skip: the very row that last wrote a charge.

Every charge keeps the hash of the CSV row (its values in the file's column order, and that
order) that last created or updated it (`charges.row_hash`). A row whose hash a charge holds
would write what the charge, its case, its taxpayer and phones already hold (nothing else in the
app edits those), so it is not parsed again: a re-import of an unchanged file, or the unchanged
95 % of a full snapshot, costs a hash and one indexed look-up per chunk instead of a parse (the
phone numbers' above all). A skipped row still counts as imported, still names its charge (mode
full) and, from an extract of another day, still moves its case's extract time. It is not
skipped when the case is outside the importer's department or the row repeats a charge of an
earlier line (both go through the checks, and are reported).
"""

import hashlib

from sqlalchemy import select

from app.cases.bulk_write import in_
from app.cases.models import Case, Charge, ImportMode, Taxpayer
from app.extensions import db


def row_hash(columns: tuple, raw: dict) -> bytes:
    """128 bits of the row's values and the file's columns."""
    text = "\x1f".join(columns) + "\x1e" + "\x1f".join(raw.values())
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def skip(ctx, raw_rows: list) -> tuple[list, dict[int, bytes], int, set[int]]:
    """Split a chunk: (rows to parse, their hashes by line, rows skipped, cases whose extract
    time moves)."""
    columns = tuple(ctx.columns)
    hashes = {line: row_hash(columns, raw) for line, raw in raw_rows if raw is not None}
    if not hashes:
        return raw_rows, hashes, 0, set()
    ch, c, t = Charge.__table__.c, Case.__table__.c, Taxpayer.__table__.c
    stored = {r.row_hash: r for r in db.session.execute(
        select(ch.id, ch.row_hash, ch.case_id, ch.tax_type, ch.fiscal_year, ch.period, ch.notice_no,
               c.case_ref, c.department_id, c.extract_on, t.taxpayer_ref)
        .join_from(Charge.__table__, Case.__table__, ch.case_id == c.id)
        .join(Taxpayer.__table__, c.taxpayer_id == t.id)
        .where(in_(ch.row_hash, list(hashes.values()))))}
    kept, skipped, moved = [], 0, set()
    for line, raw in raw_rows:
        found = stored.get(hashes.get(line))
        identity = found and (found.case_ref, found.tax_type, found.fiscal_year, found.period,
                              found.notice_no)
        if (found is None or identity in ctx.charge_lines
                or (ctx.scope_department_id is not None and found.department_id != ctx.scope_department_id)
                or ctx.case_owner.get(found.case_ref, (found.taxpayer_ref, found.department_id))
                != (found.taxpayer_ref, found.department_id)):
            kept.append((line, raw))
            continue
        ctx.case_owner[found.case_ref] = (found.taxpayer_ref, found.department_id)
        ctx.case_of_taxpayer[(found.taxpayer_ref, found.department_id)] = found.case_ref
        ctx.charge_lines[identity] = line
        ctx.named_departments.add(found.department_id)
        ctx.counted_cases.add(found.case_id)
        if ctx.mode == ImportMode.FULL:
            ctx.seen_charges.add(found.id)
        if found.extract_on != ctx.extract_on:
            moved.add(found.case_id)
        skipped += 1
    return kept, hashes, skipped, moved
