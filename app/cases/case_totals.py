"""What a case import does to the cases it touched: balance, priority, status; mode full.

- The balance follows the rule of app.payments.balance (the open charges as of the extract,
  minus the app's payments not in it yet): the import asks for it through the signal
  `app.signals.charges_imported`, since `cases` may not import `payments`.
- A case whose open charges all closed, or whose balance reached 0, closes (unclaimed, its
  pending promise cancelled and its waiting SMS suppressed through `app.signals.cases_settled`);
  a closed case with an open charge and money owing reopens to `open`, back in the queue.
- Mode `full`: every open charge of the departments the file names that the file does not
  list closes (settled in the core system), except on cases with a rejected row (a typo in a
  line must not close what it meant to update).
"""

from datetime import datetime

from sqlalchemy import exists, func, select

from app.audit.services import record_many
from app.cases.bulk_write import in_, update_rows
from app.cases.models import Case, CaseStatus, Charge, ChargeStatus, ImportMode
from app.cases.priority import priority_score
from app.extensions import db
from app.signals import cases_settled, charges_imported

BATCH = 1000
_CASES = Case.__table__


def prepare(ctx, case: dict, dirty_cases: dict, charges: list[dict], now: datetime,
            charges_changed: bool = True) -> None:
    """Before the chunk's writes: a new case gets its totals (it has no payments yet), an
    existing one its extract time, and updated_at when its charges changed (its balance comes
    in `settle`)."""
    open_charges = [c for c in charges if c["status"] == ChargeStatus.OPEN]
    oldest = min((c["due_date"] for c in open_charges), default=None)
    if case["id"] is None:
        balance = sum(c["amount_due"] for c in open_charges)
        case.update(balance=balance, oldest_due_date=oldest,
                    priority=priority_score(balance, oldest, ctx.today))
        return
    case.update(extract_as_of=ctx.as_of, extract_on=ctx.extract_on)
    if not charges_changed:  # only a new extract date: one UPDATE for the chunk (`move_extract`)
        return
    values = {"extract_as_of": ctx.as_of, "extract_on": ctx.extract_on, "oldest_due_date": oldest}
    if case["created_at"] != now:  # an existing case whose charges changed
        values["updated_at"] = now
        ctx.counts["cases_updated"] += 1
    case.update(values)
    dirty_cases[case["id"]] = values


def move_extract(ctx, case_ids: list[int]) -> None:
    """Give the cases of `case_ids` (unchanged charges, an extract of another day) the extract time."""
    if case_ids:
        db.session.execute(_CASES.update().where(in_(_CASES.c.id, case_ids))
                           .values(extract_as_of=ctx.as_of, extract_on=ctx.extract_on))


def _balances(case_ids: list[int], count_ids: list[int], now: datetime, moved_ids=()) -> dict:
    answers = charges_imported.send("cases.import", case_ids=case_ids, count_ids=count_ids, now=now,
                                    moved_ids=list(moved_ids))
    if len(answers) != 1:  # an import must never run without the balance rule
        raise RuntimeError("the balance rule (app.payments.balance) is not connected")
    return answers[0][1]


def settle(ctx, case_ids: list[int], actor, now: datetime, moved=()) -> None:
    """After the chunk's writes: balances by the rule, then priority and status of `case_ids`
    (charges changed) and of those of `moved` (a new extract date only) whose balance changed."""
    if not case_ids and not moved:
        return
    changed = _balances(sorted(set(case_ids)), [], now, sorted(set(moved) - set(case_ids)))["changed"]
    ids = sorted({*case_ids, *changed})
    for start in range(0, len(ids), BATCH):
        _refresh(ctx, ids[start:start + BATCH], actor, now)


def _refresh(ctx, case_ids: list[int], actor, now: datetime) -> None:
    c, ch = _CASES.c, Charge.__table__.c
    open_charge = (ch.case_id == c.id) & (ch.status == ChargeStatus.OPEN)
    oldest = select(func.min(ch.due_date)).where(open_charge).scalar_subquery()
    rows = db.session.execute(
        select(c.id, c.status, c.balance, c.oldest_due_date, c.priority, c.paid_in_full_at,
               exists().where(open_charge).label("owing"), oldest.label("oldest"))
        .where(in_(c.id, case_ids)))
    changes: dict[int, dict] = {}
    closed, reopened = [], []
    for r in rows:
        change = {}
        if r.oldest != r.oldest_due_date:
            change["oldest_due_date"] = r.oldest
        priority = priority_score(r.balance, r.oldest, ctx.today)
        if priority != r.priority:
            change["priority"] = priority
        if r.status != CaseStatus.CLOSED and (not r.owing or r.balance <= 0):
            change.update(status=str(CaseStatus.CLOSED), hold_reason=None, claimed_by_id=None,
                          claimed_until=None, promise_broken=False,
                          paid_in_full_at=r.paid_in_full_at or now)
            closed.append(r.id)
        elif r.status == CaseStatus.CLOSED and r.owing and r.balance > 0:
            change.update(status=str(CaseStatus.OPEN), paid_in_full_at=None)
            reopened.append(r.id)
        if change:
            changes[r.id] = change
    update_rows(_CASES, changes, None)
    ctx.counts["cases_closed"] += len(closed)
    ctx.counts["cases_reopened"] += len(reopened)
    record_many(actor, "case.close", "case", closed, now, reason="import", import_id=ctx.import_id)
    record_many(actor, "case.reopen", "case", reopened, now, reason="import", import_id=ctx.import_id)
    if closed:
        cases_settled.send("cases.import", case_ids=closed, actor=actor, now=now, reason="paid")


def close_absent(ctx, actor, now: datetime) -> None:
    """Mode full: close the open charges of the file's departments that the file did not list."""
    if ctx.mode != ImportMode.FULL or not ctx.named_departments:
        return
    c, ch = _CASES.c, Charge.__table__.c
    stmt = (select(ch.id, ch.case_id, c.case_ref).join_from(Charge.__table__, _CASES)
            .where(ch.status == ChargeStatus.OPEN, in_(c.department_id, ctx.named_departments)))
    absent, cases, spared = [], set(), set()
    for charge_id, case_id, case_ref in db.session.execute(stmt):
        if charge_id in ctx.seen_charges:
            continue
        if case_ref in ctx.rejected_cases:
            spared.add(case_id)
            continue
        absent.append(charge_id)
        cases.add(case_id)
    for start in range(0, len(absent), 10 * BATCH):
        db.session.execute(Charge.__table__.update().where(in_(ch.id, absent[start:start + 10 * BATCH]))
                           .values(status=str(ChargeStatus.CLOSED), row_hash=None))  # listed again: parsed
    if cases:
        ids = sorted(cases)
        for start in range(0, len(ids), 10 * BATCH):
            db.session.execute(_CASES.update().where(in_(c.id, ids[start:start + 10 * BATCH]))
                               .values(updated_at=now))
    ctx.counts["charges_closed"] += len(absent)
    ctx.counts["charges_closed_absent"] += len(absent)
    ctx.counts["cases_spared"] += len(spared)
    settle(ctx, sorted(cases), actor, now)


def count_applied(ctx, now: datetime) -> None:
    """The summary's payments still applied on top of the extract, over the file's cases."""
    applied = _balances([], sorted(ctx.counted_cases), now)
    ctx.counts["payments_applied"] += applied["payments"]
    ctx.counts["payments_applied_amount"] += applied["amount"]
