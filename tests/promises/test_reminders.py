"""The promise-due reminder through the real SMS path, and a pending promise holding back the
payment-reminder SMS (real RQ SimpleWorker, the sandbox provider)."""

from datetime import date

import pytest
from sqlalchemy import select

from app import clock
from app.calls.services import log_call
from app.cases.models import Case
from app.extensions import db
from app.promises.reminders import remind_due_promises
from app.sms.models import SmsMessage, SmsPart, SmsStatus
from tests import factories as f
from tests.promises.helpers import local, pay, promise, promise_due_rule, work

TOMORROW = date(2026, 11, 17)


@pytest.fixture
def dept(app):
    dept = f.department("TAX")
    promise_due_rule(dept)
    return dept


@pytest.fixture
def at(monkeypatch):
    """Set the clock the jobs read: at(moment)."""
    def set_clock(moment):
        monkeypatch.setattr(clock, "utcnow", lambda: moment)
        return moment
    return set_clock


def messages() -> list[SmsMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(SmsMessage).order_by(SmsMessage.id)))


def test_the_day_before_from_10_00_once(dept):
    case = f.case(dept)
    promise(case, (10000, TOMORROW), (10000, date(2026, 11, 30)))
    assert remind_due_promises(local(date(2026, 11, 16), 9, 59)) == 0
    assert remind_due_promises(local(date(2026, 11, 16), 10, 0)) == 1
    [message] = messages()
    # The default promise reminder is generic (issue 10): no date, which would name the debt.
    assert message.text.startswith("【TAX Division】お約束の件") and "2026年11月17日" not in message.text
    assert message.disclosure == "generic"
    assert message.status == SmsStatus.QUEUED and message.idempotency_key.endswith(":instalment:1")
    # The 15-minute job runs on, and the next morning (the due date, still in the window).
    assert remind_due_promises(local(date(2026, 11, 16), 10, 15)) == 0
    assert remind_due_promises(local(TOMORROW, 10, 0)) == 0
    assert len(messages()) == 1


def test_not_two_days_before_unless_the_rule_says_so(dept):
    case = f.case(dept)
    promise(case, (10000, date(2026, 11, 18)))
    assert remind_due_promises(local(date(2026, 11, 16), 11)) == 0
    rule = promise_due_rule(dept)
    rule.window_days = 2
    db.session.commit()
    assert remind_due_promises(local(date(2026, 11, 16), 11)) == 1


def test_no_reminder_for_a_paid_instalment_a_closed_case_or_a_replaced_promise(dept):
    paid = f.case(dept)
    promise(paid, (10000, TOMORROW), (10000, date(2026, 11, 30)))
    pay(paid, 10000, date(2026, 11, 16))  # the first instalment is covered
    closed = f.case(dept)
    promise(closed, (10000, TOMORROW))
    closed.status = "closed"
    replaced = f.case(dept)
    promise(replaced, (10000, TOMORROW))
    promise(replaced, (10000, date(2026, 11, 25)))
    db.session.commit()
    assert remind_due_promises(local(date(2026, 11, 16), 10)) == 0
    assert messages() == []


def test_the_reminder_is_sent_once_by_the_real_send_job(dept, at, monkeypatch):
    case = f.case(dept)
    promise(case, (10000, TOMORROW))
    assert remind_due_promises(at(local(date(2026, 11, 16), 10))) == 1
    work(monkeypatch)
    assert remind_due_promises(at(local(date(2026, 11, 16), 10, 15))) == 0  # the next run
    work(monkeypatch)
    [message] = messages()
    assert message.status == SmsStatus.DELIVERED and message.provider == "sandbox"
    assert message.to_e164 == "+819012345678" and message.sender == "TAX"
    assert db.session.query(SmsPart).count() == message.segments == 2


def test_a_payment_between_queueing_and_sending_suppresses_the_reminder(dept, at, monkeypatch):
    case = f.case(dept)
    promise(case, (10000, TOMORROW), (10000, date(2026, 11, 30)))
    assert remind_due_promises(at(local(date(2026, 11, 16), 10))) == 1
    pay(case, 10000, date(2026, 11, 16))  # the instalment is paid before the job runs
    work(monkeypatch)
    [message] = messages()
    assert (message.status, message.reason) == (SmsStatus.SUPPRESSED, "paid")


def test_a_pending_promise_holds_back_the_payment_reminder_sms(dept, at, monkeypatch):
    case = f.case(dept)
    case_id = case.id
    promise(case, (10000, date(2026, 11, 27)))
    at(local(date(2026, 11, 16), 11))
    for hour in (10, 11):  # two unanswered calls to the mobile: Misato's rule fires
        log_call(case, case.taxpayer.phones[0], "no_answer", "outbound", None, None,
                 local(date(2026, 11, 16), hour))
        db.session.commit()
    [message] = messages()
    assert message.status == SmsStatus.QUEUED
    work(monkeypatch)
    [message] = messages()
    assert (message.status, message.reason) == (SmsStatus.SUPPRESSED, "promise_pending")
    assert db.session.get(Case, case_id).status == "open"


def test_without_a_promise_the_payment_reminder_goes(dept, at, monkeypatch):
    case = f.case(dept)
    at(local(date(2026, 11, 16), 11))
    for hour in (10, 11):
        log_call(case, case.taxpayer.phones[0], "no_answer", "outbound", None, None,
                 local(date(2026, 11, 16), hour))
        db.session.commit()
    work(monkeypatch)
    [message] = messages()
    assert message.status == SmsStatus.DELIVERED


def test_the_cli_commands(runner, dept, at):
    promise(f.case(dept), (10000, TOMORROW))
    at(local(date(2026, 11, 16), 9))
    assert runner.invoke(args=["promises", "remind"]).output == "reminders: 0 (sent from 10:00 local time)\n"
    at(local(date(2026, 11, 16), 10))
    assert runner.invoke(args=["promises", "remind"]).output == "reminders: 1 (sent from 10:00 local time)\n"
    at(local(date(2026, 11, 21), 1))
    result = runner.invoke(args=["promises", "judge"])
    assert result.exit_code == 0
    assert result.output == "kept: 0, partially_kept: 0, broken: 1, instalments: 1, skipped: 0\n"
