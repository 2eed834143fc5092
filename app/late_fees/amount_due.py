"""What a case owes on a date: per open charge the principal (本税), its 延滞金 and 督促手数料.

The charges' `amount_due` is the principal as of the core system's extract; the payments the app
learned since (those the extract does not hold yet) lower it. Which payments those are is
read from the case's balance, the one figure the rest of the app shows: the gap between the
open charges' `amount_due` and the balance is made of the newest payments (newest first, until
the gap is covered), so the principal shown here always adds up to the balance, whatever the
import rules that keep the balance; a balance above the charges (a reversal after the extract
of a payment it held) is owed again on the oldest charge. The payments name no charge, so every
payment goes to the oldest charge first (due date, then fiscal year), the rest to the next.
A payment dated after `on` is left out: the answer is what was owed on that day.
"""

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select

from app import clock
from app.cases.models import Case, Charge
from app.extensions import db
from app.late_fees import calculation
from app.late_fees.rates import MissingRate, rate_table
from app.payments.models import Payment

REVERSAL = "reversal"  # issue 9a's payment kind: it restores a payment, it pays nothing


@dataclass(frozen=True)
class ChargeDue:
    charge: Charge
    principal: int  # unpaid on `on`
    late_fee: calculation.LateFee
    dunning_fee: int
    extract_late_fee: int | None  # the core system's 延滞金 as of its extract, when it sent one
    # Ours for comparison: on the extract's date when the case knows it, else on `on`.
    compared_on: date | None = None
    compared_late_fee: int | None = None

    @property
    def late_fee_differs(self) -> bool:
        return self.extract_late_fee is not None and self.compared_late_fee != self.extract_late_fee

    @property
    def total(self) -> int:
        return self.principal + self.late_fee.amount + self.dunning_fee


@dataclass(frozen=True)
class AmountDue:
    on: date
    charges: list[ChargeDue]

    @property
    def principal(self) -> int:
        return sum(c.principal for c in self.charges)

    @property
    def late_fee(self) -> int:
        return sum(c.late_fee.amount for c in self.charges)

    @property
    def dunning_fee(self) -> int:
        return sum(c.dunning_fee for c in self.charges)

    @property
    def total(self) -> int:
        return self.principal + self.late_fee + self.dunning_fee


def open_charges(case: Case) -> list[Charge]:
    """The charges still owed in the core system, oldest first (the order payments go to)."""
    charges = [c for c in case.charges if getattr(c, "status", "open") != "closed"]
    return sorted(charges, key=lambda c: (c.due_date, c.fiscal_year, c.tax_type, c.id or 0))


def payments_on_top(case: Case, charges: list[Charge]) -> list[tuple[date, int]]:
    """(paid_on, amount) of the payments the extract does not hold yet, oldest first: the newest
    payments that explain the gap between the charges' amounts and the balance."""
    gap = sum(c.amount_due for c in charges) - max(case.balance, 0)
    if gap <= 0:
        return []
    stmt = (select(Payment).where(Payment.case_id == case.id)
            .order_by(Payment.paid_on.desc(), Payment.id.desc()))
    return newest_covering(list(db.session.scalars(stmt)), gap)


def newest_covering(payments: list, gap: int) -> list[tuple[date, int]]:
    """From `payments` (newest first), the newest that add up to `gap` (the last one in part),
    as (paid_on, amount) oldest first. A reversal pays nothing, and the payment it undoes no
    longer counts (issue 9a's `kind` and `reverses_id`; read with getattr until they exist)."""
    reversed_ids = {getattr(p, "reverses_id", None) for p in payments if getattr(p, "kind", None) == REVERSAL}
    taken: list[tuple[date, int]] = []
    for payment in payments:
        if gap <= 0:
            break
        if getattr(payment, "kind", None) == REVERSAL or payment.id in reversed_ids or payment.amount <= 0:
            continue
        part = min(payment.amount, gap)
        taken.append((payment.paid_on, part))
        gap -= part
    return sorted(taken)


def allocate(charges: list[Charge], payments: list[tuple[date, int]]) -> dict[int, list[tuple[date, int]]]:
    """Each payment (oldest first) to the oldest charge with principal left, the rest onwards;
    an amount beyond every charge is a credit and goes nowhere. Keyed by position in `charges`."""
    left = [c.amount_due for c in charges]
    shares: dict[int, list[tuple[date, int]]] = {i: [] for i in range(len(charges))}
    for day, amount in payments:
        for i, room in enumerate(left):
            if amount == 0:
                break
            part = min(room, amount)
            if part > 0:
                shares[i].append((day, part))
                left[i] -= part
                amount -= part
    return shares


def amount_due(case: Case, on: date, table=None) -> AmountDue:
    """What `case` owes if paid in full on `on`. Raises rates.MissingRate when a year that bears
    延滞金 has no rate (the published table + LATE_FEE_RATES)."""
    table = rate_table(current_app.config.get("LATE_FEE_RATES")) if table is None else table
    charges = open_charges(case)
    shares = allocate(charges, payments_on_top(case, charges))
    # A balance above the charges: reversals after the extract restored payments it had taken
    # in (a returned direct debit). The money is owed again on the oldest charge, as if the
    # payment had never been made (the extract does not say which charge it had paid).
    restored = max(case.balance - sum(c.amount_due for c in charges), 0)
    extract_on = getattr(case, "extract_on", None)  # issue 9a: the local date of the last extract
    result = []
    for i, charge in enumerate(charges):
        paid = [(day, amount) for day, amount in shares[i] if day <= on]
        owed = charge.amount_due + (restored if i == 0 else 0)
        fee = calculation.late_fee(owed, charge.due_date, on, paid, table)
        extract_fee = getattr(charge, "late_fee", None)
        compared_on, compared = on, fee.amount
        if extract_fee is not None and extract_on is not None and extract_on != on:
            compared_on, compared = extract_on, _late_fee_or_none(owed, charge, extract_on, shares[i], table)
        result.append(ChargeDue(
            charge=charge, principal=max(owed - sum(a for _, a in paid), 0), late_fee=fee,
            dunning_fee=int(getattr(charge, "dunning_fee", None) or 0), extract_late_fee=extract_fee,
            compared_on=compared_on if extract_fee is not None else None,
            compared_late_fee=compared if extract_fee is not None else None))
    return AmountDue(on, result)


def _late_fee_or_none(owed: int, charge: Charge, day: date, shares, table) -> int | None:
    """Our 延滞金 of `charge` on `day` (the extract's date), None when a rate is missing."""
    try:
        paid = [(d, a) for d, a in shares if d <= day]
        return calculation.late_fee(owed, charge.due_date, day, paid, table).amount
    except MissingRate:
        return None


def as_dict(due: AmountDue) -> dict:
    """The JSON shape of GET /api/v1/cases/<id>/amount-due."""
    return {
        "on": due.on.isoformat(), "principal": due.principal, "late_fee": due.late_fee,
        "dunning_fee": due.dunning_fee, "total": due.total,
        "charges": [{
            "tax_type": c.charge.tax_type, "fiscal_year": c.charge.fiscal_year,
            "period": getattr(c.charge, "period", None) or None, "principal": c.principal,
            "late_fee": c.late_fee.amount, "dunning_fee": c.dunning_fee,
            "days_low": c.late_fee.days_low, "days_high": c.late_fee.days_high,
        } for c in due.charges],
    }


def local_today() -> date:
    """Today in the municipality's zone: the default payment day."""
    return clock.utcnow().astimezone(clock.local_zone()).date()


class BadDate(ValueError):
    """An `on` that is not a date YYYY-MM-DD from 1900-01-01 to 2199-12-31."""


def parse_on(text: str) -> date:
    """`on` of the amount-due API and screen: YYYY-MM-DD, 1900-01-01..2199-12-31, else BadDate."""
    text = text.strip()
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise BadDate("not a date YYYY-MM-DD")
    if not date(1900, 1, 1) <= day <= date(2199, 12, 31):
        raise BadDate("the date must lie between 1900-01-01 and 2199-12-31")
    return day
