"""Builders for the promise and payment tests: through the real services, committed."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.escalation.models import Action, EscalationRule, PhoneScope, Trigger
from app.extensions import db
from app.payments.services import record_payment
from app.promises.services import create_promise
from tests.factories import WORKDAY_MORNING

TODAY = date(2026, 11, 16)  # WORKDAY_MORNING's local date (Monday, Tokyo)


def local(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """`day` at hour:minute in Tokyo, as UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=9)


def promise(case, *plan, actor=None, now=WORKDAY_MORNING, **kw):
    """create_promise and commit; `plan` is (amount, date) pairs."""
    made = create_promise(case, list(plan), actor, now, **kw)
    db.session.commit()
    return made


_refs = iter(range(1, 10**6))


def pay(case, amount: int, paid_on: date, now=None, ref: str | None = None):
    """record_payment and commit; `now` defaults to the payment day's 10:00 (never before it)."""
    payment, created = record_payment(ref or f"P{next(_refs):06d}", case.case_ref, amount, paid_on,
                                      "api", now or max(local(paid_on), WORKDAY_MORNING))
    db.session.commit()
    return payment, created


def promise_due_rule(dept) -> EscalationRule:
    """The promise-due rule every new department gets (app.escalation.defaults)."""
    [rule] = db.session.scalars(select(EscalationRule).where(
        EscalationRule.department_id == dept.id, EscalationRule.trigger == Trigger.PROMISE_DUE))
    assert (rule.window_days, rule.action, rule.template.name) == (1, Action.SEND_SMS, "promise-reminder")
    return rule


def broken_rule(dept, boost: int = 1000) -> EscalationRule:
    """A promise-broken rule that raises the case's priority."""
    rule = EscalationRule(
        department_id=dept.id, name="broken -> priority", trigger=Trigger.PROMISE_BROKEN, count=1,
        window_days=1, phone_scope=PhoneScope.ANY, action=Action.RAISE_PRIORITY,
        priority_boost=boost, language="ja", created_at=WORKDAY_MORNING, updated_at=WORKDAY_MORNING)
    db.session.add(rule)
    db.session.commit()
    return rule


def audits(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def work(monkeypatch, queues=("sms",)) -> None:
    """Run every waiting job with a real RQ SimpleWorker over the test Redis (in this process
    and app context, so a monkeypatched clock applies to the jobs too)."""
    from redis import Redis

    from app.queue import AppSimpleWorker
    from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL

    monkeypatch.setenv("DATABASE_URL", TEST_DATABASE_URL)
    monkeypatch.setenv("REDIS_URL", TEST_REDIS_URL)
    connection = Redis.from_url(TEST_REDIS_URL)
    try:
        AppSimpleWorker(list(queues), connection=connection).work(burst=True)
    finally:
        connection.close()
        db.session.remove()
