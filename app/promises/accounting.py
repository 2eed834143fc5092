"""What counts towards a promise, and how a promise and its instalments are judged.

Pure arithmetic over payments grouped by day (no writes), shared by the daily judge, the
payment service (a promise paid early is kept at once) and the reminders (no reminder for an
instalment already paid).

The rules (README, "Promises and payments"):
- A payment counts towards a promise when its `paid_on` lies from the promise's creation date
  (local) up to the deadline: the promise's last date + PROMISE_GRACE_DAYS. A payment dated
  before the promise was made does not count.
- "Enough" is PROMISE_TOLERANCE_PERCENT of the amount, rounded up to the yen.
- Instalments are paid in order (the money goes to the earliest first). Instalment i, with
  cumulative amount C_i (itself and those before it), is judged once its own date + grace has
  passed, on what was paid from the creation up to that day (P_i): kept when P_i reaches the
  tolerance of C_i, partially kept when P_i exceeds C_(i-1) (something went to it), broken
  when nothing did.
- A broken instalment before the last one ends the plan: the promise is judged then (its
  later instalments become cancelled). Otherwise the promise is judged when its last date +
  grace has passed, or as soon as the payments reach the tolerance of its total.
- The promise: kept when what was collected reaches the tolerance of the total, partially
  kept when something was paid, broken when nothing was (the issue's rule; so a promise whose
  instalments were each paid late but paid is partially kept, not broken).
"""

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select

from app import clock
from app.extensions import db
from app.payments.models import Payment, signed_amount
from app.promises.models import Promise, PromiseStatus

# Payments of one case, summed per day: [(paid_on, amount), ...] in date order.
DayTotals = list[tuple[date, int]]


def grace_days() -> int:
    return int(current_app.config["PROMISE_GRACE_DAYS"])


def tolerance_percent() -> Decimal:
    return Decimal(str(current_app.config["PROMISE_TOLERANCE_PERCENT"]))


def required(amount: int, percent: Decimal | None = None) -> int:
    """The least payment that counts as `amount` paid (tolerance applied, rounded up)."""
    percent = tolerance_percent() if percent is None else percent
    return math.ceil(Decimal(amount) * percent / 100)


local_date = clock.local_date
local_today = clock.local_date  # today's date, for readers of "today" in the judge's rules


def deadline(due_date: date, grace: int | None = None) -> date:
    """The last day a payment counts for something due on `due_date`."""
    return due_date + timedelta(days=grace_days() if grace is None else grace)


def resume_at(promise: Promise, department) -> datetime:
    """When a case with this pending promise goes back to the call queue: the department's
    calling start on the day after the promise's deadline (local)."""
    day = deadline(promise.last_due_date) + timedelta(days=1)
    start = department.calling_start if department is not None else time(9, 0)
    return datetime.combine(day, start, tzinfo=clock.local_zone())


def day_totals(case_ids, since: date) -> dict[int, DayTotals]:
    """Payments of `case_ids` from `since` on, summed per case and day (one query)."""
    ids = sorted(set(case_ids))
    out: dict[int, DayTotals] = defaultdict(list)
    if not ids:
        return out
    rows = db.session.execute(
        select(Payment.case_id, Payment.paid_on, func.sum(signed_amount()))
        .where(Payment.case_id.in_(ids), Payment.paid_on >= since)
        .group_by(Payment.case_id, Payment.paid_on)
        .order_by(Payment.case_id, Payment.paid_on)
    )
    for case_id, paid_on, amount in rows:
        out[case_id].append((paid_on, int(amount)))
    return out


def paid_between(days: DayTotals, start: date, end: date) -> int:
    return sum(amount for paid_on, amount in days if start <= paid_on <= end)


@dataclass
class Judgement:
    """What judging a promise decided (nothing is written yet)."""

    instalments: list[tuple[object, str]]  # (instalment, new status), in order
    status: str | None = None  # the promise's new status, None while it stays pending
    collected: int = 0
    due_date: date | None = None  # the date of the instalment that ended it (for rules)


def judge(promise: Promise, days: DayTotals, today: date, *, grace: int | None = None,
          percent: Decimal | None = None) -> Judgement:
    """Judge `promise`'s instalments whose deadline is before `today` (all of them when the
    payments already reach the total), and the promise when it ends; see the module doc."""
    grace = grace_days() if grace is None else grace
    percent = tolerance_percent() if percent is None else percent
    start = local_date(promise.created_at)
    instalments = list(promise.instalments)
    last = instalments[-1]
    final_deadline = deadline(promise.last_due_date, grace)
    paid_early = paid_between(days, start, final_deadline) >= required(promise.total_amount, percent)
    verdict = Judgement(instalments=[])
    before = cumulative = 0
    ended_on = None
    for instalment in instalments:
        before, cumulative = cumulative, cumulative + instalment.amount
        if instalment.status != PromiseStatus.PENDING:
            continue
        own_deadline = deadline(instalment.due_date, grace)
        if own_deadline >= today and not paid_early:
            break  # not judged yet (and neither are the later ones)
        paid = paid_between(days, start, own_deadline)
        if paid >= required(cumulative, percent):
            status = PromiseStatus.KEPT
        elif paid > before:
            status = PromiseStatus.PARTIALLY_KEPT
        else:
            status = PromiseStatus.BROKEN
        verdict.instalments.append((instalment, status))
        if instalment is last or status == PromiseStatus.BROKEN:
            ended_on, verdict.due_date = own_deadline, instalment.due_date
            break
    if ended_on is None and not paid_early:
        return verdict
    if ended_on is None:  # paid early, every instalment already judged before
        ended_on, verdict.due_date = final_deadline, promise.last_due_date
    judged = {id(i) for i, _ in verdict.instalments}
    verdict.instalments += [(i, PromiseStatus.CANCELLED) for i in instalments
                            if i.status == PromiseStatus.PENDING and id(i) not in judged]
    verdict.collected = paid_between(days, start, ended_on)
    if verdict.collected >= required(promise.total_amount, percent):
        verdict.status = PromiseStatus.KEPT
    elif verdict.collected > 0:
        verdict.status = PromiseStatus.PARTIALLY_KEPT
    else:
        verdict.status = PromiseStatus.BROKEN
    return verdict


def instalment_covered(promise: Promise, instalment, days: DayTotals) -> bool:
    """Whether what was paid since the promise was made already covers `instalment` (and the
    ones before it): then it needs no reminder."""
    start = local_date(promise.created_at)
    cumulative = sum(i.amount for i in promise.instalments if i.seq <= instalment.seq)
    return paid_between(days, start, deadline(instalment.due_date)) >= required(cumulative)
