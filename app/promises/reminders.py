"""The promise-due reminder: the day before an instalment falls due (or D days before, per the
department's promise_due rules' `window_days`), the rule sends its SMS.

`remind_due_promises` runs every 15 minutes (RQ cron, the in-process ticker) and by hand
(`flask promises remind`); it does nothing before PROMISE_REMINDER_TIME local (default 10:00),
so the reminders go out at that time. Each firing has a unique key per rule and instalment
(`rule:<r>:case:<c>:instalment:<i>`), so running it again the same day (or the next, inside
the window) sends nothing twice. No reminder for an instalment the payments already cover,
for a promise no longer pending, or for a case that is not open; the send job checks again
right before sending (see `hooks.promise_check`).
"""

import logging
from collections import defaultdict
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import clock
from app.cases.models import Case, CaseStatus
from app.escalation import keys
from app.escalation.models import EscalationFiring, EscalationRule, Trigger
from app.escalation.rules import fire_promise_rules
from app.extensions import db
from app.promises import accounting
from app.promises.models import Promise, PromiseInstalment, PromiseStatus

log = logging.getLogger(__name__)
BATCH = 500


def reminder_time() -> time:
    return time.fromisoformat(current_app.config["PROMISE_REMINDER_TIME"])


def _due_rules() -> dict[int, list[EscalationRule]]:
    """The active promise_due rules, by department."""
    rules = defaultdict(list)
    for rule in db.session.scalars(select(EscalationRule).where(
            EscalationRule.trigger == Trigger.PROMISE_DUE, EscalationRule.active.is_(True))):
        rules[rule.department_id].append(rule)
    return rules


def remind_due_promises(now: datetime | None = None) -> int:
    """Fire the promise_due rules for the instalments due within their window; returns how
    many rules fired (each firing queues its SMS, or does its other action)."""
    now = now or clock.utcnow()
    local = now.astimezone(clock.local_zone())
    if local.time() < reminder_time():
        return 0
    rules = _due_rules()
    if not rules:
        return 0
    today = local.date()
    last_day = today + timedelta(days=max(r.window_days for rs in rules.values() for r in rs))
    # The window holds a few days of instalments (~1/90 of the pending ones a day): read their
    # ids at once through the (due_date, status) index, then work through them in batches.
    rows = db.session.execute(
        select(PromiseInstalment.id.label("instalment_id"), PromiseInstalment.due_date,
               Promise.id.label("promise_id"), Promise.case_id, Case.department_id)
        .join(Promise, Promise.id == PromiseInstalment.promise_id)
        .join(Case, Case.id == Promise.case_id)
        .where(PromiseInstalment.status == PromiseStatus.PENDING,
               PromiseInstalment.due_date >= today, PromiseInstalment.due_date <= last_day,
               Promise.status == PromiseStatus.PENDING,
               Case.status == CaseStatus.OPEN, Case.department_id.in_(list(rules)))
        .order_by(PromiseInstalment.id)).all()
    fired = 0
    for start in range(0, len(rows), BATCH):
        fired += _remind_batch(_to_do(rows[start:start + BATCH], rules, today), today, now)
        db.session.commit()
    db.session.commit()
    if fired:
        log.info("promise-due rules fired: %d", fired)
    return fired


def _to_do(rows, rules, today) -> list:
    """The rows some rule is due to fire for today and has not fired for yet (one query, on the
    firing key's unique index): every run after the first of the day stops here."""
    wanted = {row.instalment_id: {
        _key(rule, row.case_id, row.instalment_id) for rule in rules[row.department_id]
        if row.due_date - timedelta(days=rule.window_days) <= today} for row in rows}
    keys = [key for row_keys in wanted.values() for key in row_keys]
    done = set(db.session.scalars(
        select(EscalationFiring.idempotency_key).where(EscalationFiring.idempotency_key.in_(keys))))
    return [row for row in rows if wanted[row.instalment_id] - done]


def _remind_batch(rows, today, now: datetime) -> int:
    if not rows:
        return 0
    promises = {p.id: p for p in db.session.scalars(
        select(Promise).where(Promise.id.in_({row.promise_id for row in rows}))
        .options(selectinload(Promise.instalments), selectinload(Promise.case)))}
    since = min(accounting.local_date(p.created_at) for p in promises.values())
    totals = accounting.day_totals([p.case_id for p in promises.values()], since)
    fired = 0
    for row in rows:
        promise = promises[row.promise_id]
        instalment = next(i for i in promise.instalments if i.id == row.instalment_id)
        if accounting.instalment_covered(promise, instalment, totals.get(promise.case_id, [])):
            continue
        occasion = keys.instalment_occasion(instalment.id)
        fired += len(fire_promise_rules(Trigger.PROMISE_DUE, promise.case, occasion,
                                        instalment.due_date, now))
    return fired


def _key(rule: EscalationRule, case_id: int, instalment_id: int) -> str:
    """The key fire_promise_rules gives the firing of `rule` for this instalment."""
    return keys.firing_key(rule.id, case_id, keys.instalment_occasion(instalment_id))
