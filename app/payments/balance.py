"""The balance rule, in one place: what a case owes now.

    balance = the sum of the case's open charges' amount_due (as of its last extract)
              - the app's payments dated on or after the extract's date (not in it yet)
              + the app's reversals dated so
              never below 0

A payment dated the day the extract was made counts as not in it. A case without an extract
time (created before extracts had one, or by hand) counts every payment. Provisional payments
count like confirmed ones; once an extract newer than one arrives, the extract holds the truth.

`balance_expression()` is the rule as one SQL expression over the `cases` row; `recompute`
applies it set-based to many cases (the case import, through `app.signals.charges_imported`,
since `cases` may not import this package) and `case_balance` to one (payments, reversals).
This module lives in `payments` because the rule reads the payments table.
"""

from sqlalchemy import and_, any_, bindparam, case, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql

from app.cases.models import Case, Charge, ChargeStatus
from app.extensions import db
from app.payments.models import Payment, signed_amount
from app.signals import charges_imported
from app.sql import is_postgres

BATCH = 50_000  # case ids per statement (PostgreSQL: one array parameter)
SQLITE_BATCH = 10_000  # SQLite: one parameter per id, at most 32,766 a statement


def _counted(case_table):
    """Payments that are not in the case's extract yet."""
    return and_(Payment.case_id == case_table.c.id,
                or_(case_table.c.extract_on.is_(None), Payment.paid_on >= case_table.c.extract_on))


def balance_expression(case_table=None):
    """The balance rule as a SQL expression correlated to a `cases` row."""
    cases = case_table if case_table is not None else Case.__table__
    owed = (select(func.coalesce(func.sum(Charge.amount_due), 0))
            .where(Charge.case_id == cases.c.id, Charge.status == ChargeStatus.OPEN)
            .scalar_subquery())
    paid = select(func.coalesce(func.sum(signed_amount()), 0)).where(_counted(cases)).scalar_subquery()
    value = owed - paid
    return case((value < 0, literal(0)), else_=value)


def _batch() -> int:
    return BATCH if is_postgres() else SQLITE_BATCH


def _ids_clause(column, ids):
    if is_postgres():
        return column == any_(bindparam(None, list(ids), type_=postgresql.ARRAY(column.type)))
    return column.in_(list(ids))


def recompute(case_ids) -> list[int]:
    """Set the balance of every case in `case_ids` by the rule (a few UPDATE statements); returns
    the ids whose balance changed."""
    ids = sorted(set(case_ids))
    cases = Case.__table__
    changed: list[int] = []
    batch = _batch()
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        new = balance_expression(cases)
        changed.extend(db.session.scalars(
            update(cases).where(_ids_clause(cases.c.id, chunk), cases.c.balance != new)
            .values(balance=new).returning(cases.c.id)))
    return changed


def applied_on_top(case_ids) -> dict:
    """The payments of these cases that still count on top of their extract: count and net yen."""
    ids = sorted(set(case_ids))
    cases = Case.__table__
    count = amount = 0
    batch = _batch()
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        row = db.session.execute(
            select(func.count(Payment.id), func.coalesce(func.sum(signed_amount()), 0))
            .select_from(cases).join(Payment, _counted(cases))
            .where(_ids_clause(cases.c.id, chunk))).one()
        count, amount = count + row[0], amount + int(row[1])
    return {"payments": count, "amount": amount}


def case_balance(case_id: int) -> int:
    """The balance of one case by the rule (not stored: see `recompute`)."""
    cases = Case.__table__
    return int(db.session.scalar(select(balance_expression(cases)).where(cases.c.id == case_id)))


def with_payments(case_ids) -> list[int]:
    """The cases of `case_ids` that have a payment (of any kind, any date)."""
    ids = sorted(set(case_ids))
    found: list[int] = []
    batch = _batch()
    for start in range(0, len(ids), batch):
        found.extend(db.session.scalars(select(Payment.case_id).distinct().where(
            _ids_clause(Payment.case_id, ids[start:start + batch]))))
    return found


def _on_charges_imported(sender, case_ids, count_ids=(), now=None, moved_ids=(), **_) -> dict:
    # A case whose only change is a newer extract date owes the same unless a payment of it
    # moves into the extract: the rule is evaluated for those with payments only.
    recount = [*case_ids, *with_payments(moved_ids)] if moved_ids else case_ids
    changed = recompute(recount) if recount else []
    applied = applied_on_top(count_ids) if count_ids else {"payments": 0, "amount": 0}
    return {**applied, "changed": changed}


def init_app(app) -> None:
    """Connect the balance rule to the case import."""
    charges_imported.connect(_on_charges_imported)
