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

from sqlalchemy import select

from app.auth.access import ALL_DEPARTMENTS
from app.auth.models import Department, Role
from app.cases.csv_rows import ImportRow, RowError, parse_row
from app.cases.models import Case, CaseStatus, Charge, ImportJob, ImportStatus, Phone, Taxpayer
from app.cases.priority import priority_score
from app.cases.search_keys import taxpayer_search_key
from app.extensions import db
from app.queue import enqueue_after_commit

IMPORTER_ROLES = (Role.SUPERVISOR, Role.MANAGER, Role.ADMIN)


class ImportForbidden(PermissionError):
    """The actor may not import cases."""


def create_import(actor, filename: str, content: bytes, now: datetime) -> ImportJob:
    """Store an uploaded file as a queued ImportJob (no job is started: see `queue_import`).

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


def queue_import(actor, filename: str, content: bytes, now: datetime) -> ImportJob:
    """Create the ImportJob and have `app.cases.jobs.run_import` run once the caller commits."""
    job = create_import(actor, filename, content, now)
    enqueue_after_commit("app.cases.jobs.run_import", job.id, queue="imports", job_id=f"import-{job.id}")
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


@dataclass
class _Loaded:
    """The chunk's existing rows, keyed so rows can find them (new objects have no id yet)."""

    taxpayers: dict[str, Taxpayer]
    cases: dict[str, Case]
    case_of_taxpayer: dict[tuple[str, int], Case]
    charges: dict[str, dict[tuple[str, int], Charge]]  # case_ref -> identity -> charge
    phones: dict[tuple[str, str], Phone]  # (taxpayer_ref, e164)


def _load(rows: list[ImportRow]) -> _Loaded:
    taxpayers = {t.taxpayer_ref: t for t in db.session.scalars(
        select(Taxpayer).where(Taxpayer.taxpayer_ref.in_(list({r.taxpayer_ref for r in rows}))))}
    ref_of_taxpayer = {t.id: ref for ref, t in taxpayers.items()}
    cases = {c.case_ref: c for c in db.session.scalars(
        select(Case).where(Case.case_ref.in_(list({r.case_ref for r in rows}))))}
    their_cases = db.session.scalars(select(Case).where(Case.taxpayer_id.in_(list(ref_of_taxpayer)))).all()
    case_of_taxpayer = {(ref_of_taxpayer[c.taxpayer_id], c.department_id): c for c in their_cases}
    by_id = {c.id: c for c in [*cases.values(), *their_cases]}
    charges: dict[str, dict[tuple[str, int], Charge]] = {c.case_ref: {} for c in by_id.values()}
    for charge in db.session.scalars(select(Charge).where(Charge.case_id.in_(list(by_id)))):
        charges[by_id[charge.case_id].case_ref][(charge.tax_type, charge.fiscal_year)] = charge
    phones = {(ref_of_taxpayer[p.taxpayer_id], p.e164): p for p in db.session.scalars(
        select(Phone).where(Phone.taxpayer_id.in_(list(ref_of_taxpayer))))}
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
    touched: dict[str, Case] = {}
    imported = 0
    for row, dept_id in rows:
        problem = _conflict(ctx, loaded, row, dept_id)
        if problem is not None:
            errors.append(problem)
            continue
        _upsert_row(ctx, loaded, row, dept_id, now, touched)
        imported += 1
    # Totals before the flush, so a new case is inserted complete (no UPDATE after INSERT).
    for case_ref, case in touched.items():
        _recompute(ctx, case, list(loaded.charges[case_ref].values()), now)
    db.session.flush()
    return imported, errors


def _conflict(ctx: ImportContext, loaded: _Loaded, row: ImportRow, dept_id: int) -> RowError | None:
    """A row that contradicts stored data or an earlier row of the file, else None."""
    owner = (row.taxpayer_ref, dept_id)
    case = loaded.cases.get(row.case_ref)
    if case is not None:
        taxpayer = loaded.taxpayers.get(row.taxpayer_ref)
        if case.department_id != dept_id:
            return RowError(row.line, "case_ref", f"case {row.case_ref} belongs to another department")
        if taxpayer is None or case.taxpayer_id != taxpayer.id:
            return RowError(row.line, "case_ref", f"case {row.case_ref} belongs to another taxpayer")
    elif ctx.case_owner.get(row.case_ref, owner) != owner:
        return RowError(row.line, "case_ref",
                        f"case {row.case_ref} has another taxpayer or department on an earlier line")
    other = loaded.case_of_taxpayer.get(owner)
    other_ref = other.case_ref if other is not None else ctx.case_of_taxpayer.get(owner)
    if other_ref is not None and other_ref != row.case_ref:
        return RowError(row.line, "case_ref",
                        f"the taxpayer already has case {other_ref} in this department")
    identity = (row.case_ref, row.tax_type, row.fiscal_year)
    first = ctx.charge_lines.get(identity)
    if first is not None:
        return RowError(row.line, "tax_type",
                        f"the same tax type and fiscal year of this case is on line {first}")
    return None


def _set(obj, counts: Counter, counter: str, **values) -> bool:
    """Assign only the values that differ (an unchanged row must not dirty anything)."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    if changed:
        counts[counter] += 1
    return changed


def _upsert_row(ctx, loaded: _Loaded, row: ImportRow, dept_id: int, now: datetime, touched) -> None:
    ctx.case_owner[row.case_ref] = (row.taxpayer_ref, dept_id)
    ctx.case_of_taxpayer[(row.taxpayer_ref, dept_id)] = row.case_ref
    ctx.charge_lines[(row.case_ref, row.tax_type, row.fiscal_year)] = row.line
    people = {"name": row.name, "name_kana": row.name_kana, "address": row.address,
              "search_key": taxpayer_search_key(row.name, row.name_kana)}

    taxpayer = loaded.taxpayers.get(row.taxpayer_ref)
    if taxpayer is None:
        taxpayer = Taxpayer(taxpayer_ref=row.taxpayer_ref, created_at=now, **people)
        db.session.add(taxpayer)
        loaded.taxpayers[row.taxpayer_ref] = taxpayer
        ctx.counts["taxpayers_created"] += 1
    else:
        _set(taxpayer, ctx.counts, "taxpayers_updated", **people)

    for position, e164, kind in row.phones:
        consent = {"consent": row.consent}
        if row.consent_on is not None or not row.consent:
            consent["consent_on"] = row.consent_on  # a bare "yes" keeps a known consent date
        phone = loaded.phones.get((row.taxpayer_ref, e164))
        if phone is None:
            phone = Phone(taxpayer=taxpayer, e164=e164, kind=kind, position=position, **consent)
            db.session.add(phone)
            loaded.phones[(row.taxpayer_ref, e164)] = phone
            ctx.counts["phones_created"] += 1
        else:
            _set(phone, ctx.counts, "phones_updated", kind=kind, position=position, **consent)

    case = loaded.cases.get(row.case_ref)
    if case is None:
        case = Case(case_ref=row.case_ref, taxpayer=taxpayer, department_id=dept_id,
                    status=CaseStatus.OPEN, balance=0, priority=0, promise_broken=False,
                    next_action_at=None, created_at=now, updated_at=now)
        db.session.add(case)
        loaded.cases[row.case_ref] = case
        loaded.case_of_taxpayer[(row.taxpayer_ref, dept_id)] = case
        ctx.counts["cases_created"] += 1
    charges = loaded.charges.setdefault(row.case_ref, {})
    charge = charges.get((row.tax_type, row.fiscal_year))
    if charge is None:
        charge = Charge(case=case, tax_type=row.tax_type, fiscal_year=row.fiscal_year,
                        amount_due=row.amount_due, due_date=row.due_date)
        db.session.add(charge)
        charges[(row.tax_type, row.fiscal_year)] = charge
        ctx.counts["charges_created"] += 1
        touched[row.case_ref] = case
    elif _set(charge, ctx.counts, "charges_updated", amount_due=row.amount_due, due_date=row.due_date):
        touched[row.case_ref] = case


def _recompute(ctx: ImportContext, case: Case, charges: list[Charge], now: datetime) -> None:
    """Balance, oldest due date and priority from all the case's charges (payments come later)."""
    balance = sum(c.amount_due for c in charges)
    oldest = min((c.due_date for c in charges), default=None)
    case.balance = balance
    case.oldest_due_date = oldest
    case.priority = priority_score(balance, oldest, ctx.today)
    if case.created_at != now:  # an existing case whose charges changed
        case.updated_at = now
        ctx.counts["cases_updated"] += 1
