"""Case import: the ImportJob row, and upserting checked CSV rows chunk by chunk.

Identity: a taxpayer by `taxpayer_ref`, a case by `case_ref` (one case per taxpayer and
department), a charge by (case, tax_type, fiscal_year), a phone by (taxpayer, E.164). Rows
only create or update those; nothing is deleted, and a row equal to what is stored writes
nothing, so re-importing a file changes nothing. Each chunk pre-loads what its rows refer to
with a few IN queries. Functions here flush; the caller (`app.cases.jobs`) commits per chunk.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Table, any_, bindparam, insert, select, text, update
from sqlalchemy.dialects import postgresql

from app.auth.access import ALL_DEPARTMENTS
from app.auth.models import Department
from app.auth.permissions import IMPORTERS
from app.cases.csv_rows import ImportRow, RowError, parse_row
from app.cases.models import Case, CaseStatus, Charge, ImportJob, ImportStatus, Phone, Taxpayer
from app.cases.priority import priority_score
from app.cases.search_keys import taxpayer_search_key
from app.extensions import db
from app.sql import is_postgres

IMPORTER_ROLES = IMPORTERS


class ImportForbidden(PermissionError):
    """The actor may not import cases."""


def create_import(actor, filename: str, content: bytes, now: datetime) -> ImportJob:
    """Store an uploaded file as a queued ImportJob (no job is started: see `jobs.queue_import`).

    A supervisor's import is limited to their department; managers, admins and the CLI
    (actor None) may import any department's rows."""
    scope = None
    if actor is not None:
        if actor.role not in IMPORTER_ROLES:
            raise ImportForbidden("only supervisors, managers and admins import cases")
        if actor.role not in ALL_DEPARTMENTS:
            scope = actor.department_id
    job = ImportJob(
        created_by_id=getattr(actor, "id", None), scope_department_id=scope,
        filename=(filename or "")[:255], content=content, status=ImportStatus.QUEUED,
        total=0, imported=0, errors=[], created_at=now,
    )
    db.session.add(job)
    db.session.flush()
    return job


def visible_imports(user):
    """A query of the imports `user` may see: a supervisor's own department's, else all."""
    stmt = select(ImportJob)
    if user.role not in ALL_DEPARTMENTS:
        stmt = stmt.where(ImportJob.scope_department_id == user.department_id)
    return stmt


def visible_import(import_id: int, user) -> ImportJob | None:
    return db.session.scalar(visible_imports(user).where(ImportJob.id == import_id))


@dataclass
class ImportContext:
    """What one import remembers across its chunks."""

    departments: dict[str, int]  # code -> id
    scope_department_id: int | None
    today: date
    width: int
    case_owner: dict[str, tuple[str, int]] = field(default_factory=dict)  # case_ref -> (taxpayer_ref, dept)
    case_of_taxpayer: dict[tuple[str, int], str] = field(default_factory=dict)  # (taxpayer_ref, dept) -> ref
    charge_lines: dict[tuple[str, str, int], int] = field(default_factory=dict)  # identity -> line
    counts: Counter = field(default_factory=Counter)

    @classmethod
    def load(cls, scope_department_id: int | None, today: date, width: int) -> "ImportContext":
        departments = {code: id_ for code, id_ in db.session.execute(select(Department.code, Department.id))}
        return cls(departments, scope_department_id, today, width)


# The chunk's rows are plain dicts of column values, not ORM objects: building, tracking and
# flushing tens of thousands of ORM objects per import cost most of its time. A record with
# "id" None is new; existing records that change are collected in `_Loaded.dirty` and written
# with one executemany UPDATE per table; new ones with one INSERT per table (on PostgreSQL an
# INSERT ... SELECT FROM unnest(arrays), one small statement whatever the chunk size).
_TAXPAYERS, _CASES = Taxpayer.__table__, Case.__table__
_CHARGES, _PHONES = Charge.__table__, Phone.__table__


@dataclass
class _Loaded:
    """The chunk's existing rows (and those it creates), keyed so rows can find them."""

    taxpayers: dict[str, dict]  # taxpayer_ref -> record
    cases: dict[str, dict]  # case_ref -> record (with "taxpayer_ref")
    case_of_taxpayer: dict[tuple[str, int], dict]
    charges: dict[str, dict[tuple[str, int], dict]]  # case_ref -> identity -> record
    phones: dict[tuple[str, str], dict]  # (taxpayer_ref, e164) -> record
    dirty: dict[str, dict[int, dict]] = field(
        default_factory=lambda: {"taxpayers": {}, "cases": {}, "charges": {}, "phones": {}})



def _in(column, values):
    """`column IN values`: on PostgreSQL `= ANY(array)`, one parameter instead of a thousand."""
    values = list(values)
    if is_postgres():
        return column == any_(bindparam(None, values, type_=postgresql.ARRAY(column.type)))
    return column.in_(values)


def _load(rows: list[ImportRow]) -> _Loaded:
    t, c = _TAXPAYERS.c, _CASES.c
    taxpayers = {r.taxpayer_ref: r._asdict() for r in db.session.execute(
        select(t.id, t.taxpayer_ref, t.name, t.name_kana, t.address, t.search_key)
        .where(_in(t.taxpayer_ref, {r.taxpayer_ref for r in rows})))}
    case_columns = select(c.id, c.case_ref, c.taxpayer_id, c.department_id, c.created_at,
                          _TAXPAYERS.c.taxpayer_ref).join_from(_CASES, _TAXPAYERS)
    found = {}
    for where in (_in(c.case_ref, {r.case_ref for r in rows}),
                  _in(c.taxpayer_id, [tp["id"] for tp in taxpayers.values()])):
        found.update((case.id, case._asdict()) for case in db.session.execute(case_columns.where(where)))
    cases = {case["case_ref"]: case for case in found.values()}
    case_of_taxpayer = {(case["taxpayer_ref"], case["department_id"]): case for case in found.values()
                        if case["taxpayer_ref"] in taxpayers}
    charges: dict[str, dict[tuple[str, int], dict]] = {case["case_ref"]: {} for case in found.values()}
    ch = _CHARGES.c
    for charge in db.session.execute(
            select(ch.id, ch.case_id, ch.tax_type, ch.fiscal_year, ch.amount_due, ch.due_date)
            .where(_in(ch.case_id, list(found)))):
        charges[found[charge.case_id]["case_ref"]][(charge.tax_type, charge.fiscal_year)] = {
            "id": charge.id, "amount_due": charge.amount_due, "due_date": charge.due_date}
    ref_of_taxpayer = {tp["id"]: ref for ref, tp in taxpayers.items()}
    p = _PHONES.c
    stored_phones = db.session.execute(
        select(p.id, p.taxpayer_id, p.e164, p.kind, p.position, p.consent, p.consent_on)
        .where(_in(p.taxpayer_id, list(ref_of_taxpayer))))
    phones = {(ref_of_taxpayer[phone.taxpayer_id], phone.e164): phone._asdict() for phone in stored_phones}
    return _Loaded(taxpayers, cases, case_of_taxpayer, charges, phones)


def import_chunk(ctx: ImportContext, raw_rows: list, now: datetime) -> tuple[int, list[RowError]]:
    """Check and upsert a chunk of (line, raw row) pairs; return (rows that went in, errors)."""
    errors: list[RowError] = []
    rows: list[tuple[ImportRow, int]] = []
    for line, raw in raw_rows:
        row, row_errors = parse_row(line, raw, ctx.width)
        if row is not None:
            dept_id = ctx.departments.get(row.department)
            if dept_id is None:
                row_errors = [RowError(line, "department", f"unknown department {row.department!r}")]
            elif ctx.scope_department_id is not None and dept_id != ctx.scope_department_id:
                row_errors = [RowError(line, "department",
                                       f"department {row.department!r} is outside your department")]
            else:
                rows.append((row, dept_id))
        errors.extend(row_errors)
    if not rows:
        return 0, errors

    loaded = _load([row for row, _ in rows])
    touched: set[str] = set()
    imported = 0
    for row, dept_id in rows:
        problem = _conflict(ctx, loaded, row, dept_id)
        if problem is not None:
            errors.append(problem)
            continue
        _upsert_row(ctx, loaded, row, dept_id, now, touched)
        imported += 1
    # Totals before the writes, so a new case is inserted complete (no UPDATE after INSERT).
    for case_ref in touched:
        _recompute(ctx, loaded, loaded.cases[case_ref], list(loaded.charges[case_ref].values()), now)
    _write(loaded)
    return imported, errors


def _conflict(ctx: ImportContext, loaded: _Loaded, row: ImportRow, dept_id: int) -> RowError | None:
    """A row that contradicts stored data or an earlier row of the file, else None."""
    owner = (row.taxpayer_ref, dept_id)
    case = loaded.cases.get(row.case_ref)
    if case is not None:
        if case["department_id"] != dept_id:
            return RowError(row.line, "case_ref", f"case {row.case_ref} belongs to another department")
        if case["taxpayer_ref"] != row.taxpayer_ref:
            return RowError(row.line, "case_ref", f"case {row.case_ref} belongs to another taxpayer")
    elif ctx.case_owner.get(row.case_ref, owner) != owner:
        return RowError(row.line, "case_ref",
                        f"case {row.case_ref} has another taxpayer or department on an earlier line")
    other = loaded.case_of_taxpayer.get(owner)
    other_ref = other["case_ref"] if other is not None else ctx.case_of_taxpayer.get(owner)
    if other_ref is not None and other_ref != row.case_ref:
        return RowError(row.line, "case_ref",
                        f"the taxpayer already has case {other_ref} in this department")
    identity = (row.case_ref, row.tax_type, row.fiscal_year)
    first = ctx.charge_lines.get(identity)
    if first is not None:
        return RowError(row.line, "tax_type",
                        f"the same tax type and fiscal year of this case is on line {first}")
    return None


def _set(record: dict, counts: Counter, counter: str, dirty: dict[int, dict], **values) -> bool:
    """Assign only the values that differ (an unchanged row must not write anything)."""
    changed = False
    for name, value in values.items():
        if record.get(name) != value:
            record[name] = value
            changed = True
    if changed:
        counts[counter] += 1
        if record["id"] is not None:
            dirty[record["id"]] = record
    return changed


def _upsert_row(ctx, loaded: _Loaded, row: ImportRow, dept_id: int, now: datetime, touched) -> None:
    ctx.case_owner[row.case_ref] = (row.taxpayer_ref, dept_id)
    ctx.case_of_taxpayer[(row.taxpayer_ref, dept_id)] = row.case_ref
    ctx.charge_lines[(row.case_ref, row.tax_type, row.fiscal_year)] = row.line
    people = {"name": row.name, "name_kana": row.name_kana, "address": row.address,
              "search_key": taxpayer_search_key(row.name, row.name_kana)}

    taxpayer = loaded.taxpayers.get(row.taxpayer_ref)
    if taxpayer is None:
        loaded.taxpayers[row.taxpayer_ref] = {"id": None, "taxpayer_ref": row.taxpayer_ref,
                                              "created_at": now, **people}
        ctx.counts["taxpayers_created"] += 1
    else:
        _set(taxpayer, ctx.counts, "taxpayers_updated", loaded.dirty["taxpayers"], **people)

    for position, e164, kind in row.phones:
        consent = {"consent": row.consent}
        if row.consent_on is not None or not row.consent:
            consent["consent_on"] = row.consent_on  # a bare "yes" keeps a known consent date
        phone = loaded.phones.get((row.taxpayer_ref, e164))
        if phone is None:
            loaded.phones[(row.taxpayer_ref, e164)] = {
                "id": None, "taxpayer_ref": row.taxpayer_ref, "e164": e164, "kind": kind,
                "position": position, "consent_on": None, **consent}
            ctx.counts["phones_created"] += 1
        else:
            _set(phone, ctx.counts, "phones_updated", loaded.dirty["phones"],
                 kind=kind, position=position, **consent)

    case = loaded.cases.get(row.case_ref)
    if case is None:
        case = {"id": None, "case_ref": row.case_ref, "taxpayer_ref": row.taxpayer_ref,
                "department_id": dept_id, "status": str(CaseStatus.OPEN), "balance": 0,
                "oldest_due_date": None, "priority": 0, "promise_broken": False,
                "next_action_at": None, "created_at": now, "updated_at": now}
        loaded.cases[row.case_ref] = case
        loaded.case_of_taxpayer[(row.taxpayer_ref, dept_id)] = case
        ctx.counts["cases_created"] += 1
    charges = loaded.charges.setdefault(row.case_ref, {})
    charge = charges.get((row.tax_type, row.fiscal_year))
    if charge is None:
        charges[(row.tax_type, row.fiscal_year)] = {
            "id": None, "tax_type": row.tax_type, "fiscal_year": row.fiscal_year,
            "amount_due": row.amount_due, "due_date": row.due_date}
        ctx.counts["charges_created"] += 1
        touched.add(row.case_ref)
    elif _set(charge, ctx.counts, "charges_updated", loaded.dirty["charges"],
              amount_due=row.amount_due, due_date=row.due_date):
        touched.add(row.case_ref)


def _recompute(ctx: ImportContext, loaded: _Loaded, case: dict, charges: list[dict], now: datetime) -> None:
    """Balance, oldest due date and priority from all the case's charges (payments come later)."""
    balance = sum(c["amount_due"] for c in charges)
    oldest = min((c["due_date"] for c in charges), default=None)
    totals = {"balance": balance, "oldest_due_date": oldest,
              "priority": priority_score(balance, oldest, ctx.today)}
    if case["id"] is None:
        case.update(totals)
        return
    if case["created_at"] != now:  # an existing case whose charges changed
        totals["updated_at"] = now
        ctx.counts["cases_updated"] += 1
    case.update(totals)
    loaded.dirty["cases"][case["id"]] = totals


def _write(loaded: _Loaded) -> None:
    """Insert the chunk's new rows and update its changed ones: a few statements per table."""
    new_taxpayers = [tp for tp in loaded.taxpayers.values() if tp["id"] is None]
    for id_, ref in _insert(_TAXPAYERS, new_taxpayers, _TAXPAYERS.c.taxpayer_ref):
        loaded.taxpayers[ref]["id"] = id_
    _update(_TAXPAYERS, loaded.dirty["taxpayers"], ("name", "name_kana", "address", "search_key"))

    new_cases = [case for case in loaded.cases.values() if case["id"] is None]
    for case in new_cases:
        case["taxpayer_id"] = loaded.taxpayers[case["taxpayer_ref"]]["id"]
    for id_, ref in _insert(_CASES, new_cases, _CASES.c.case_ref):
        loaded.cases[ref]["id"] = id_
    _update(_CASES, loaded.dirty["cases"], None)

    new_charges = []
    for case_ref, charges in loaded.charges.items():
        for charge in charges.values():
            if charge["id"] is None:
                charge["case_id"] = loaded.cases[case_ref]["id"]
                new_charges.append(charge)
    _insert(_CHARGES, new_charges)
    _update(_CHARGES, loaded.dirty["charges"], ("amount_due", "due_date"))

    new_phones = [phone for phone in loaded.phones.values() if phone["id"] is None]
    for phone in new_phones:
        phone["taxpayer_id"] = loaded.taxpayers[phone["taxpayer_ref"]]["id"]
    _insert(_PHONES, new_phones)
    _update(_PHONES, loaded.dirty["phones"], ("kind", "position", "consent", "consent_on"))


def _insert_columns(table: Table, record: dict) -> tuple[list, dict]:
    """The columns an INSERT of `record` names, and the Python-side defaults of those it lacks."""
    columns, defaults = [], {}
    for column in table.columns:
        if column.primary_key:
            continue
        if column.name in record:
            columns.append(column)
        elif column.default is not None and column.default.is_scalar:
            columns.append(column)
            defaults[column.name] = column.default.arg
        elif column.default is None and column.server_default is None:
            columns.append(column)
            defaults[column.name] = None
    return columns, defaults


def _insert(table: Table, records: list[dict], key=None) -> list[tuple]:
    """Insert `records`; with `key`, return (id, key) of each new row."""
    if not records:
        return []
    columns, defaults = _insert_columns(table, records[0])
    returning = [table.c.id, key] if key is not None else []
    if is_postgres():
        casts = ", ".join(f"CAST(:{c.name} AS {c.type.compile(dialect=db.session.get_bind().dialect)}[])"
                          for c in columns)
        stmt = text(f"INSERT INTO {table.name} ({', '.join(c.name for c in columns)}) "
                    f"SELECT * FROM unnest({casts})"
                    + (f" RETURNING {', '.join(c.name for c in returning)}" if returning else ""))
        stmt = stmt.bindparams(*[bindparam(c.name, type_=postgresql.ARRAY(c.type)) for c in columns])
        params = {c.name: [r[c.name] if c.name in r else defaults[c.name] for r in records] for c in columns}
        result = db.session.execute(stmt, params)
    else:
        params = [{c.name: r[c.name] if c.name in r else defaults[c.name] for c in columns} for r in records]
        stmt = insert(table)
        result = db.session.execute(stmt.returning(*returning) if returning else stmt, params)
    return [tuple(row) for row in result] if returning else []


def _update(table: Table, records: dict[int, dict], columns) -> None:
    """UPDATE the changed rows by id (executemany), grouped by the set of columns written."""
    groups: dict[tuple, list[dict]] = {}
    for id_, record in records.items():
        names = tuple(columns if columns is not None else record)
        groups.setdefault(names, []).append({"row_id": id_, **{n: record[n] for n in names}})
    for names, params in groups.items():
        stmt = update(table).where(table.c.id == bindparam("row_id"))
        db.session.execute(stmt.values({n: bindparam(f"new_{n}") for n in names}),
                           [{"row_id": p["row_id"], **{f"new_{n}": p[n] for n in names}} for p in params])
