"""Case import: the ImportJob row, and upserting checked CSV rows chunk by chunk.

Identity: a taxpayer by `taxpayer_ref`, a case by `case_ref` (one case per taxpayer and
department), a charge by (case, tax_type, fiscal_year, period, notice_no), a phone by
(taxpayer, E.164). Rows only create or update those; nothing is deleted (a charge whose
amount_due is 0 closes; so does, with mode `full`, an open charge the file no longer lists:
see `app.cases.case_totals`), and a row equal to what is stored, from an extract of the same
time, writes nothing, so re-importing a file changes nothing. Each chunk pre-loads what its
rows refer to with a few IN queries, checks and upserts them as plain records and writes those
(`app.cases.chunk_records`). Functions here flush; `app.cases.jobs` commits per chunk.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from app.auth.access import ALL_DEPARTMENTS
from app.auth.models import Department
from app.auth.permissions import IMPORTERS
from app.cases import chunk_records
from app.cases.csv_rows import CHARGE_COLUMNS, ImportRow, RowError, checks_for, parse_row
from app.cases.import_consent import write_import_consent
from app.cases.models import ImportJob, ImportMode, ImportStatus
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


def import_chunk(ctx: ImportContext, records: list, now: datetime) -> tuple[int, list[RowError]]:
    """Check and upsert a chunk of (line, record as read) pairs (`CsvFile.raw_records`);
    return (rows that went in, errors in line order).

    Then the chunk's cases get their balance, priority and status (app.cases.case_totals)."""
    from app.cases import case_totals, unchanged_rows

    kept, hashes, skipped, skipped_moved = unchanged_rows.skip(ctx, records)
    columns = ctx.columns
    raw_rows = [(line, dict(zip(columns, values, strict=True)) if values is not None else None)
                for line, values in kept]
    errors: list[RowError] = []
    rows: list[tuple[ImportRow, int]] = []
    checks = checks_for(columns)
    for line, raw in raw_rows:
        row, row_errors = parse_row(line, raw, ctx.width, checks)
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

    loaded = chunk_records.load_existing([row for row, _ in rows])
    known_cases = set(loaded.cases)
    touched: set[str] = set()  # cases whose charges changed
    moved: set[str] = set()  # cases whose extract date changed
    named: set[str] = set()
    listed: list[dict] = []  # the charge records the rows name
    went_in: list[tuple[ImportRow, int]] = []  # for the consent (app.cases.import_consent)
    imported = skipped
    for row, dept_id in rows:
        problem = chunk_records.conflict(ctx, loaded, row, dept_id)
        if problem is not None:
            ctx.rejected_cases.add(row.case_ref)
            errors.append(problem)
            continue
        imported += 1
        ctx.named_departments.add(dept_id)
        identity = chunk_records.charge_identity(row)
        if row.amount_due == 0 and identity not in loaded.charges.get(row.case_ref, {}):
            ctx.counts["rows_settled_unknown"] += 1  # nothing owed on a charge the app never had
            ctx.charge_lines[(row.case_ref, *identity)] = row.line
            continue
        charge = chunk_records.upsert_row(ctx, loaded, row, dept_id, now, touched, moved)
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
    new_phones = chunk_records.write_rows(loaded)
    write_import_consent(ctx.counts, went_in, {key: phone["id"] for key, phone in loaded.phones.items()},
                         now, new_phones)
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
    errors.sort(key=lambda e: e.line)  # the checks of the rows alone, then against the stored data
    return imported, errors
