"""The daily judgement of promises (RQ cron hourly, `flask promises judge` by hand).

Pending promises with an instalment whose date + grace has passed (local date) are judged
from the payments (see `accounting` for the rules), in batches of BATCH promises, one
transaction each. Each batch locks its cases (skipping those another transaction holds: a
payment being recorded; the next run takes them), then re-reads its promises under lock, so
two judges running at once, or judging twice, change nothing twice: a judged promise is no
longer pending.

A broken promise puts the case at the head of the queue (`promise_broken`), due now, and
fires the department's promise-broken rules; kept and partially kept clear the flag (the
latest promise is what the taxpayer stands by), and partially kept brings the case back now.
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import clock
from app.audit.services import record
from app.cases.models import Case
from app.escalation.models import EscalationRule, Trigger
from app.extensions import db
from app.promises import accounting
from app.promises.models import Promise, PromiseInstalment, PromiseStatus

log = logging.getLogger(__name__)
BATCH = 500


def _due_promise_ids(cutoff, after_id: int, limit: int) -> list[int]:
    """Pending promises with a pending instalment due before `cutoff` (date + grace passed)."""
    stmt = (
        select(Promise.id)
        .where(Promise.status == PromiseStatus.PENDING, Promise.id > after_id,
               Promise.first_due_date < cutoff,
               select(PromiseInstalment.id).where(
                   PromiseInstalment.promise_id == Promise.id,
                   PromiseInstalment.status == PromiseStatus.PENDING,
                   PromiseInstalment.due_date < cutoff).exists())
        .order_by(Promise.id).limit(limit)
    )
    return list(db.session.scalars(stmt))


def judge_promises(now: datetime | None = None) -> dict:
    """Judge every promise (or instalment) whose deadline has passed; returns counts by new
    promise status, plus "instalments" judged and "skipped" (case locked: next run)."""
    now = now or clock.utcnow()
    today = accounting.local_today(now)
    cutoff = today - timedelta(days=accounting.grace_days())  # due_date + grace < today
    counts = {str(s): 0 for s in (PromiseStatus.KEPT, PromiseStatus.PARTIALLY_KEPT, PromiseStatus.BROKEN)}
    counts.update(instalments=0, skipped=0)
    after_id = 0
    while True:
        ids = _due_promise_ids(cutoff, after_id, BATCH)
        if not ids:
            break
        after_id = ids[-1]
        _judge_batch(ids, today, now, counts)
        db.session.commit()
    db.session.commit()
    log.info("promises judged: %s", counts)
    return counts


def _judge_batch(ids: list[int], today, now: datetime, counts: dict) -> None:
    case_of = dict(db.session.execute(select(Promise.id, Promise.case_id).where(Promise.id.in_(ids))).all())
    locked = set(db.session.scalars(
        select(Case.id).where(Case.id.in_(set(case_of.values()))).order_by(Case.id)
        .with_for_update(skip_locked=True)))
    counts["skipped"] += sum(1 for case_id in case_of.values() if case_id not in locked)
    promises = list(db.session.scalars(
        select(Promise).where(Promise.id.in_(ids), Promise.case_id.in_(locked),
                              Promise.status == PromiseStatus.PENDING)
        .options(selectinload(Promise.instalments), selectinload(Promise.case))
        .order_by(Promise.id).with_for_update(of=Promise)
        .execution_options(populate_existing=True)))
    if not promises:
        return
    since = min(accounting.local_date(p.created_at) for p in promises)
    totals = accounting.day_totals([p.case_id for p in promises], since)
    broken = []
    for promise in promises:
        verdict = accounting.judge(promise, totals.get(promise.case_id, []), today)
        apply(promise, verdict, now)
        counts["instalments"] += len(verdict.instalments)
        if verdict.status is not None:
            counts[str(verdict.status)] += 1
        if verdict.status == PromiseStatus.BROKEN:
            broken.append((promise, verdict))
    db.session.flush()  # the batch's updates together; then the rules, each in its savepoint
    with_rules = _departments_with_broken_rules()
    for promise, verdict in broken:
        if promise.case.department_id in with_rules:
            fire_broken_rules(promise, verdict, now)


def _departments_with_broken_rules() -> set[int]:
    return set(db.session.scalars(select(EscalationRule.department_id).where(
        EscalationRule.trigger == Trigger.PROMISE_BROKEN, EscalationRule.active.is_(True))))


def apply(promise: Promise, verdict: accounting.Judgement, now: datetime) -> None:
    """Write a judgement: instalment and promise statuses, the case's flag and next action;
    audited. A broken promise's rules are the caller's (`fire_broken_rules`): the judge fires
    them after flushing the whole batch. The caller holds the case's lock and commits."""
    for instalment, status in verdict.instalments:
        instalment.status, instalment.judged_at = status, now
    if verdict.status is None:
        return
    promise.status, promise.collected, promise.judged_at = verdict.status, verdict.collected, now
    case = promise.case
    if verdict.status == PromiseStatus.BROKEN:
        case.promise_broken = True
        case.next_action_at = now
    else:
        case.promise_broken = False
        if verdict.status == PromiseStatus.PARTIALLY_KEPT and (
                case.next_action_at is None or case.next_action_at > now):
            case.next_action_at = now
    case.updated_at = now
    record(None, "promise.judge", "promise", promise.id, now, case_id=case.id,
           status=str(verdict.status), collected=verdict.collected, total=promise.total_amount)


def fire_broken_rules(promise: Promise, verdict: accounting.Judgement, now: datetime) -> None:
    """The department's promise-broken rules, once per promise (the firing key)."""
    from app.escalation.rules import fire_promise_rules

    fire_promise_rules(Trigger.PROMISE_BROKEN, promise.case, f"promise:{promise.id}:broken",
                       verdict.due_date, now)


def settle_if_paid(case: Case, now: datetime) -> str | None:
    """After a payment on `case` (locked by the caller): judge its pending promise kept at once
    when the payments already reach its total, so it gets no more reminders. Returns the new
    status, or None when the promise (if any) stays pending."""
    from app.promises.services import pending_promise

    promise = pending_promise(case.id, lock=True)
    if promise is None:
        return None
    totals = accounting.day_totals([case.id], accounting.local_date(promise.created_at))
    verdict = accounting.judge(promise, totals.get(case.id, []), accounting.local_today(now))
    apply(promise, verdict, now)
    if verdict.status == PromiseStatus.BROKEN:  # an instalment missed before the judge's run
        fire_broken_rules(promise, verdict, now)
    return verdict.status
