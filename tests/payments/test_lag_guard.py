"""The payment lag guard through the real send job (RQ SimpleWorker, the sandbox provider): a
payment within PAYMENT_LAG_DAYS holds back the payment-reminder SMS (`recent_payment`), not the
promise-due reminder."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.calls.services import log_call
from app.extensions import db
from app.promises.reminders import remind_due_promises
from app.sms.models import SmsMessage, SmsStatus
from tests import factories as f
from tests.promises.helpers import TODAY, local, pay, promise, promise_due_rule, work


@pytest.fixture
def dept(app, monkeypatch):
    monkeypatch.setattr(clock, "utcnow", lambda: local(TODAY, 11))  # Monday 2026-11-16, 11:00
    dept = f.department("TAX")
    promise_due_rule(dept)
    return dept


def messages() -> list[SmsMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(SmsMessage).order_by(SmsMessage.id)))


def two_unanswered_calls(case) -> None:
    """Misato's rule (2 unanswered calls to the mobile) queues the payment-reminder SMS."""
    for hour in (9, 10):
        log_call(case, case.taxpayer.phones[0], "no_answer", "outbound", None, None, local(TODAY, hour))
        db.session.commit()


def reminder_after_a_payment(dept, monkeypatch, days_ago: int):
    case = f.case(dept)  # 50,000 owed
    pay(case, 10_000, TODAY - timedelta(days=days_ago), now=local(TODAY, 8))  # partly paid: still owed
    two_unanswered_calls(case)
    [queued] = messages()
    assert queued.status == SmsStatus.QUEUED
    work(monkeypatch)
    [message] = messages()
    return message


def test_a_payment_3_days_ago_holds_back_the_payment_reminder(dept, monkeypatch):
    message = reminder_after_a_payment(dept, monkeypatch, 3)
    assert (message.status, message.reason) == (SmsStatus.SUPPRESSED, "recent_payment")


def test_a_payment_15_days_ago_does_not(dept, monkeypatch):
    assert reminder_after_a_payment(dept, monkeypatch, 15).status == SmsStatus.DELIVERED


def test_the_window_is_the_last_payment_lag_days_today_included(dept, monkeypatch):
    assert reminder_after_a_payment(dept, monkeypatch, 14).reason == "recent_payment"  # 11-02: inside


def test_payment_lag_days_is_a_setting(app, dept, monkeypatch):
    app.config["PAYMENT_LAG_DAYS"] = 2
    assert reminder_after_a_payment(dept, monkeypatch, 3).status == SmsStatus.DELIVERED


def test_a_promise_due_reminder_is_not_affected(dept, monkeypatch):
    case = f.case(dept)
    pay(case, 10_000, TODAY - timedelta(days=3), now=local(TODAY, 8))  # before the promise: not for it
    promise(case, (10_000, date(2026, 11, 17)), now=local(TODAY, 9))
    assert remind_due_promises(local(TODAY, 10)) == 1
    work(monkeypatch)
    [message] = messages()
    assert message.status == SmsStatus.DELIVERED and message.idempotency_key.endswith(":instalment:1")
