"""Case import: the ImportJob row, and upserting checked CSV rows chunk by chunk.

Identity: a taxpayer by `taxpayer_ref`, a case by `case_ref` (one case per taxpayer and
department), a charge by (case, tax_type, fiscal_year, period, notice_no), a phone by
(taxpayer, E.164). Rows only create or update those; nothing is deleted (a charge whose
amount_due is 0 closes; so does, with mode `full`, an open charge the file no longer lists:
see `app.cases.case_totals`), and a row equal to what is stored, from an extract of the same
time, writes nothing, so re-importing a file changes nothing. Each chunk pre-loads what its
rows refer to with a few IN queries. Functions here flush; `app.cases.jobs` commits per chunk.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from app.auth.access import ALL_DEPARTMENTS
from app.auth.models import Department
from app.auth.permissions import IMPORTERS
from app.cases.bulk_write import in_, insert_rows, update_rows
from app.cases.csv_rows import CHARGE_COLUMNS, ImportRow, RowError, parse_row
from app.cases.import_consent import write_import_consent
from app.cases.models import (
    Case,
    CaseStatus,
    Charge,
    ChargeStatus,
    ImportJob,
    ImportMode,
    ImportStatus,
    Phone,
    Taxpayer,
)
from app.cases.search_keys import taxpayer_search_key
from app.extensions import db

IMPORTER_ROLES = IMPORTERS


class ImportForbidden(PermissionError):
    """The actor may not import cases."""


def create_import(actor, filename: str, content: bytes, now: datetime, as_of: datetime | None = None,
                  mode: str = ImportMode.DELTA) -> ImportJob:
    """Store an uploaded file as a queued ImportJob (no job is started: see `jobs.queue_import`).

    `as_of` is when the core system produced the file (None: the start of the import), `mode`
    delta or full (see the module doc). A supervisor's import is limited to their department;
    managers, admins and the CLI (actor None) may import any department's rows."""
    scope = None
    if actor is not None:
        if actor.role not in IMPORTER_ROLES:
            raise ImportForbidden("only supervisors, managers and admins import cases")
        if actor.role not in ALL_DEPARTMENTS:
            scope = actor.department_id
    job = ImportJob(
        created_by_id=getattr(actor, "id", None), scope_department_id=scope,
        filename=(filename or "")[:255], content=content, status=ImportStatus.QUEUED,
        total=0, imported=0, errors=[], created_at=now, as_of=as_of, mode=str(ImportMode(mode)),
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
    as_of: datetime  # when the core system produced the file (UTC)
    extract_on: date  # its local date: payments dated on or after it are not in the file
    mode: str = ImportMode.DELTA
    charge_fields: tuple[str, ...] = ()  # the core system's charge columns the file has
    case_owner: dict[str, tuple[str, int]] = field(default_factory=dict)  # case_ref -> (taxpayer_ref, dept)
    case_of_taxpayer: dict[tuple[str, int], str] = field(default_factory=dict)  # (taxpayer_ref, dept) -> ref
    charge_lines: dict[tuple, int] = field(default_factory=dict)  # identity -> line (rows parsed)
    charge_ids_named: dict[int, int] = field(default_factory=dict)  # stored charge id -> line
    stored_matches: object = None  # app.cases.unchanged_rows.StoredMatches of the file
    counts: Counter = field(default_factory=Counter)
    # For the summary and mode full: the charges the file lists, the departments it names,
    # the cases with a rejected row (their absent charges are not closed), cases counted.
    seen_charges: set[int] = field(default_factory=set)
    named_departments: set[int] = field(default_factory=set)
    rejected_cases: set[str] = field(default_factory=set)
    counted_cases: set[int] = field(default_factory=set)
    actor: object = None
    import_id: int | None = None
    columns: tuple[str, ...] = ()  # the file's header

    @classmethod
    def load(cls, scope_department_id: int | None, today: date, width: int, as_of: datetime,
             extract_on: date, mode: str = ImportMode.DELTA, columns=(), actor=None,
             import_id: int | None = None) -> "ImportContext":
        departments = {code: id_ for code, id_ in db.session.execute(select(Department.code, Department.id))}
        fields = tuple(c for c in CHARGE_COLUMNS if c in columns and c not in ("period", "notice_no"))
        return cls(departments, scope_department_id, today, width, as_of, extract_on, str(mode), fields,
                   actor=actor, import_id=import_id, columns=tuple(columns))

    def summary(self) -> dict:
        """What the import changed, for the API, the CLI and the import screen."""
        n = self.counts
        return {
            "charges": {"new": n["charges_created"], "changed": n["charges_updated"] - n["charges_closed"]
                        + n["charges_closed_absent"], "closed": n["charges_closed"],
                        "closed_absent": n["charges_closed_absent"],
                        "settled_unknown": n["rows_settled_unknown"]},
            "cases": {"opened": n["cases_created"], "reopened": n["cases_reopened"],
                      "closed": n["cases_closed"]},
            "payments_applied": {"count": n["payments_applied"], "amount": n["payments_applied_amount"]},
        }


# The chunk's rows are plain dicts of column values, not ORM objects: building, tracking and
# flushing tens of thousands of ORM objects per import cost most of its time. A record with
# "id" None is new; existing records that change are collected in `_Loaded.dirty` and written
# with one executemany UPDATE per table; new ones with one INSERT per table (app.cases.bulk_write).
_TAXPAYERS, _CASES = Taxpayer.__table__, Case.__table__
_CHARGES, _PHONES = Charge.__table__, Phone.__table__
_CHARGE_VALUES = ("amount_due", "due_date", "status", "assessed", "late_fee", "dunning_fee",
                  "dunning_notice_on", "limitation_on")


@dataclass
class _Loaded:
    """The chunk's existing rows (and those it creates), keyed so rows can find them."""

    taxpayers: dict[str, dict]  # taxpayer_ref -> record
    cases: dict[str, dict]  # case_ref -> record (with "taxpayer_ref")
    case_of_taxpayer: dict[tuple[str, int], dict]
    charges: dict[str, dict[tuple, dict]]  # case_ref -> identity -> record
    phones: dict[tuple[str, str], dict]  # (taxpayer_ref, e164) -> record
    dirty: dict[str, dict[int, dict]] = field(
        default_factory=lambda: {"taxpayers": {}, "cases": {}, "charges": {}, "phones": {}, "hashes": {}})


def _identity(row_or_charge) -> tuple:
    """A charge's identity within its case: (tax_type, fiscal_year, period, notice_no)."""
    if isinstance(row_or_charge, dict):
        r = row_or_charge
        return (r["tax_type"], r["fiscal_year"], r["period"], r["notice_no"])
    return (row_or_charge.tax_type, row_or_charge.fiscal_year, row_or_charge.period, row_or_charge.notice_no)


def _load(rows: list[ImportRow]) -> _Loaded:
    t, c = _TAXPAYERS.c, _CASES.c
    taxpayers = {r.taxpayer_ref: r._asdict() for r in db.session.execute(
        select(t.id, t.taxpayer_ref, t.name, t.name_kana, t.address, t.search_key)
        .where(in_(t.taxpayer_ref, {r.taxpayer_ref for r in rows})))}
    case_columns = select(c.id, c.case_ref, c.taxpayer_id, c.department_id, c.created_at, c.extract_as_of,
                          c.extract_on, _TAXPAYERS.c.taxpayer_ref).join_from(_CASES, _TAXPAYERS)
    found = {}
    for where in (in_(c.case_ref, {r.case_ref for r in rows}),
                  in_(c.taxpayer_id, [tp["id"] for tp in taxpayers.values()])):
        found.update((case.id, case._asdict()) for case in db.session.execute(case_columns.where(where)))
    cases = {case["case_ref"]: case for case in found.values()}
    case_of_taxpayer = {(case["taxpayer_ref"], case["department_id"]): case for case in found.values()
                        if case["taxpayer_ref"] in taxpayers}
    charges: dict[str, dict[tuple, dict]] = {case["case_ref"]: {} for case in found.values()}
    ch = _CHARGES.c
    for charge in db.session.execute(
            select(ch.id, ch.case_id, ch.tax_type, ch.fiscal_year, ch.period, ch.notice_no, ch.row_hash,
                   *(ch[name] for name in _CHARGE_VALUES))
            .where(in_(ch.case_id, list(found)))):
        record = charge._asdict()
        charges[found[charge.case_id]["case_ref"]][_identity(record)] = record
    ref_of_taxpayer = {tp["id"]: ref for ref, tp in taxpayers.items()}
    p = _PHONES.c
    stored_phones = db.session.execute(
        select(p.id, p.taxpayer_id, p.e164, p.kind, p.position)
        .where(in_(p.taxpayer_id, list(ref_of_taxpayer))))
    phones = {(ref_of_taxpayer[phone.taxpayer_id], phone.e164): phone._asdict() for phone in stored_phones}
    return _Loaded(taxpayers, cases, case_of_taxpayer, charges, phones)


def import_chunk(ctx: ImportContext, records: list, now: datetime) -> tuple[int, list[RowError]]:
    """Check and upsert a chunk of (line, record as read) pairs (`CsvFile.raw_records`);
    return (rows that went in, errors).

    Then the chunk's cases get their balance, priority and status (app.cases.case_totals)."""
    from app.cases import case_totals, unchanged_rows

    kept, hashes, skipped, skipped_moved = unchanged_rows.skip(ctx, records)
    columns = ctx.columns
    raw_rows = [(line, dict(zip(columns, values, strict=True)) if values is not None else None)
                for line, values in kept]
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
        if row_errors:
            ctx.rejected_cases.add((raw or {}).get("case_ref") or "")
        errors.extend(row_errors)
    if not rows:
        case_totals.move_extract(ctx, sorted(skipped_moved))
        case_totals.settle(ctx, [], ctx.actor, now, sorted(skipped_moved))
        return skipped, errors

    loaded = _load([row for row, _ in rows])
    known_cases = set(loaded.cases)
    touched: set[str] = set()  # cases whose charges changed
    moved: set[str] = set()  # cases whose extract date changed
    named: set[str] = set()
    listed: list[dict] = []  # the charge records the rows name
    went_in: list[tuple[ImportRow, int]] = []  # for the consent (app.cases.import_consent)
    imported = skipped
    for row, dept_id in rows:
        problem = _conflict(ctx, loaded, row, dept_id)
        if problem is not None:
            ctx.rejected_cases.add(row.case_ref)
            errors.append(problem)
            continue
        imported += 1
        ctx.named_departments.add(dept_id)
        if row.amount_due == 0 and _identity(row) not in loaded.charges.get(row.case_ref, {}):
            ctx.counts["rows_settled_unknown"] += 1  # nothing owed on a charge the app never had
            ctx.charge_lines[(row.case_ref, *_identity(row))] = row.line
            continue
        charge = _upsert_row(ctx, loaded, row, dept_id, now, touched, moved)
        went_in.append((row, dept_id))
        if charge.get("row_hash") != hashes.get(row.line):  # not a change of the charge: not counted
            charge["row_hash"] = hashes.get(row.line)
            if charge["id"] is not None:
                loaded.dirty["hashes"][charge["id"]] = {"row_hash": charge["row_hash"]}
        listed.append(charge)
        named.add(row.case_ref)
    # Totals before the writes, so a new case is inserted complete (no UPDATE after INSERT).
    for case_ref in touched | moved:
        case_totals.prepare(ctx, loaded.cases[case_ref], loaded.dirty["cases"],
                            list(loaded.charges[case_ref].values()), now, case_ref in touched)
    created = set(loaded.cases) - known_cases
    _write(loaded)
    write_import_consent(ctx.counts, went_in, {ref: tp["id"] for ref, tp in loaded.taxpayers.items()}, now)
    if ctx.mode == ImportMode.FULL:
        ctx.seen_charges.update(charge["id"] for charge in listed)
    ctx.counted_cases.update(loaded.cases[ref]["id"] for ref in named if ref not in created)
    # A case created by this chunk is complete already: no payment can name it yet, and it has
    # an open charge with money owing (zero rows of unknown charges are skipped).
    moved_ids = sorted({*(loaded.cases[ref]["id"] for ref in moved - touched), *skipped_moved}
                       - {loaded.cases[ref]["id"] for ref in touched})
    case_totals.move_extract(ctx, moved_ids)
    case_totals.settle(ctx, [loaded.cases[ref]["id"] for ref in touched - created], ctx.actor, now,
                       moved_ids)
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
    identity = (row.case_ref, *_identity(row))
    first = ctx.charge_lines.get(identity)
    if first is None:  # a stored charge an earlier line named without being parsed
        stored = loaded.charges.get(row.case_ref, {}).get(identity[1:])
        first = ctx.charge_ids_named.get(stored["id"]) if stored is not None else None
    if first is not None:
        return RowError(row.line, "tax_type",
                        f"the same charge (tax type, fiscal year, period, notice number) of this case "
                        f"is on line {first}")
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


def _upsert_row(ctx, loaded: _Loaded, row: ImportRow, dept_id: int, now: datetime, touched, moved) -> dict:
    """Create or update the row's taxpayer, phones, case and charge; returns the charge record."""
    ctx.case_owner[row.case_ref] = (row.taxpayer_ref, dept_id)
    ctx.case_of_taxpayer[(row.taxpayer_ref, dept_id)] = row.case_ref
    ctx.charge_lines[(row.case_ref, *_identity(row))] = row.line
    people = {"name": row.name, "name_kana": row.name_kana, "address": row.address}
    taxpayer = loaded.taxpayers.get(row.taxpayer_ref)
    if taxpayer is None or (taxpayer["name"], taxpayer["name_kana"]) != (row.name, row.name_kana):
        people["search_key"] = taxpayer_search_key(row.name, row.name_kana)  # only when they change
    if taxpayer is None:
        loaded.taxpayers[row.taxpayer_ref] = {"id": None, "taxpayer_ref": row.taxpayer_ref,
                                              "created_at": now, **people}
        ctx.counts["taxpayers_created"] += 1
    else:
        _set(taxpayer, ctx.counts, "taxpayers_updated", loaded.dirty["taxpayers"], **people)

    for position, e164, kind in row.phones:  # their consent: app.cases.import_consent
        phone = loaded.phones.get((row.taxpayer_ref, e164))
        if phone is None:
            loaded.phones[(row.taxpayer_ref, e164)] = {
                "id": None, "taxpayer_ref": row.taxpayer_ref, "e164": e164, "kind": kind,
                "position": position}
            ctx.counts["phones_created"] += 1
        else:
            _set(phone, ctx.counts, "phones_updated", loaded.dirty["phones"], kind=kind, position=position)

    case = loaded.cases.get(row.case_ref)
    if case is None:
        case = {"id": None, "case_ref": row.case_ref, "taxpayer_ref": row.taxpayer_ref,
                "department_id": dept_id, "status": str(CaseStatus.OPEN), "balance": 0,
                "oldest_due_date": None, "priority": 0, "promise_broken": False,
                "next_action_at": None, "created_at": now, "updated_at": now,
                "extract_as_of": ctx.as_of, "extract_on": ctx.extract_on}
        loaded.cases[row.case_ref] = case
        loaded.case_of_taxpayer[(row.taxpayer_ref, dept_id)] = case
        ctx.counts["cases_created"] += 1
    elif case["extract_on"] != ctx.extract_on:
        # An extract of another day: the payments it holds no longer count on top. (Another
        # extract of the same day changes nothing the balance rule reads: the case keeps the
        # first extract time of that day, and a same-day re-import writes nothing.)
        moved.add(row.case_ref)
    values = {"amount_due": row.amount_due, "due_date": row.due_date,
              "status": str(ChargeStatus.OPEN if row.amount_due > 0 else ChargeStatus.CLOSED),
              **{name: getattr(row, name) for name in ctx.charge_fields}}
    charges = loaded.charges.setdefault(row.case_ref, {})
    identity = _identity(row)
    charge = charges.get(identity)
    if charge is not None and charge["id"] is not None:
        ctx.charge_ids_named[charge["id"]] = row.line
    if charge is None:
        charges[identity] = {"id": None, "tax_type": row.tax_type, "fiscal_year": row.fiscal_year,
                                   "period": row.period, "notice_no": row.notice_no, **values}
        ctx.counts["charges_created"] += 1
        touched.add(row.case_ref)
        return charges[identity]
    was_open = charge["status"] == ChargeStatus.OPEN
    if _set(charge, ctx.counts, "charges_updated", loaded.dirty["charges"], **values):
        touched.add(row.case_ref)
        if was_open and charge["status"] == ChargeStatus.CLOSED:
            ctx.counts["charges_closed"] += 1
    return charge


def _write(loaded: _Loaded) -> None:
    """Insert the chunk's new rows and update its changed ones: a few statements per table."""
    new_taxpayers = [tp for tp in loaded.taxpayers.values() if tp["id"] is None]
    for id_, ref in insert_rows(_TAXPAYERS, new_taxpayers, _TAXPAYERS.c.taxpayer_ref):
        loaded.taxpayers[ref]["id"] = id_
    update_rows(_TAXPAYERS, loaded.dirty["taxpayers"], ("name", "name_kana", "address", "search_key"))

    new_cases = [case for case in loaded.cases.values() if case["id"] is None]
    for case in new_cases:
        case["taxpayer_id"] = loaded.taxpayers[case["taxpayer_ref"]]["id"]
    for id_, ref in insert_rows(_CASES, new_cases, _CASES.c.case_ref):
        loaded.cases[ref]["id"] = id_
    update_rows(_CASES, loaded.dirty["cases"], None)

    new_charges = []
    for case_ref, charges in loaded.charges.items():
        for charge in charges.values():
            if charge["id"] is None:
                charge["case_id"] = loaded.cases[case_ref]["id"]
                new_charges.append(charge)
    insert_rows(_CHARGES, new_charges, with_ids=True)  # mode full lists the charges a file names
    update_rows(_CHARGES, loaded.dirty["charges"], _CHARGE_VALUES)
    update_rows(_CHARGES, loaded.dirty["hashes"], ("row_hash",))

    new_phones = [phone for phone in loaded.phones.values() if phone["id"] is None]
    for phone in new_phones:
        phone["taxpayer_id"] = loaded.taxpayers[phone["taxpayer_ref"]]["id"]
    insert_rows(_PHONES, new_phones)
    update_rows(_PHONES, loaded.dirty["phones"], ("kind", "position"))


