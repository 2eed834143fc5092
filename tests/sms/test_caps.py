"""Contact caps per person: SMS_MAX_PER_NUMBER_PER_DAY (1) and _PER_WEEK (3) to one E.164
number across all departments; over the daily cap -> the next allowed day, over the weekly
cap -> suppressed (recipient_cap); race-safe under concurrent transactions and API calls."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import requests
from sqlalchemy import func, select

from app.auth.services import create_token
from app.extensions import db
from app.sms.models import SmsMessage, SmsStatus
from app.sms.outbox import queue_sms
from tests import factories as f
from tests.inbox.helpers import MOBILE, NOW, two_departments
from tests.serving import serving

MONDAY = date(2026, 11, 16)  # NOW is Monday 10:00 JST


@pytest.fixture
def capped(app):
    """The app with the default caps (tests/conftest.py lifts them for every other test)."""
    app.config.update(SMS_MAX_PER_NUMBER_PER_DAY=1, SMS_MAX_PER_NUMBER_PER_WEEK=3)
    return app


def send(case, key, now=NOW, **kw):
    message = queue_sms(case, case.taxpayer.phones[0], "【課】048-555-0100へお電話ください。",
                        idempotency_key=key, now=now, **kw)
    db.session.commit()
    return message


def jst(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour - 9, 0, tzinfo=UTC) if hour >= 9 else None


def test_the_defaults(app):
    from app.config import from_environment

    config = from_environment(app.instance_path)
    assert (config["SMS_MAX_PER_NUMBER_PER_DAY"], config["SMS_MAX_PER_NUMBER_PER_WEEK"]) == (1, 3)


def test_two_departments_share_the_number_s_caps(capped):
    tax, water, tax_case, water_case = two_departments()
    first = send(tax_case, "a")
    assert (first.status, first.cap_day) == (SmsStatus.QUEUED, MONDAY)
    # WATER texts the same person the same day: the daily cap holds it to Tuesday 09:00 JST.
    second = send(water_case, "b")
    assert (second.status, second.reason) == (SmsStatus.SCHEDULED, "recipient_cap")
    assert (second.scheduled_for == jst(MONDAY + timedelta(days=1), 9)
            and second.cap_day == MONDAY + timedelta(days=1))
    third = send(water_case, "c")  # Wednesday
    assert third.scheduled_for == jst(MONDAY + timedelta(days=2), 9)
    # A fourth within the week: over the weekly cap, suppressed and never queued.
    fourth = send(tax_case, "d")
    assert (fourth.status, fourth.reason, fourth.job_id) == (SmsStatus.SUPPRESSED, "recipient_cap", None)
    # Another number is not affected.
    other = f.case(tax, phones=(("+819055554444", "mobile", True),))
    assert send(other, "e").status == SmsStatus.QUEUED


def test_the_next_allowed_day_skips_the_department_s_rest_days(capped):
    tax, water, tax_case, water_case = two_departments()
    friday = NOW + timedelta(days=4)  # Friday 2026-11-20, 10:00 JST
    send(tax_case, "a", now=friday)
    later = send(water_case, "b", now=friday)  # WATER rests sat,sun (the new default): Monday
    assert later.scheduled_for == jst(date(2026, 11, 23) + timedelta(days=1), 9)  # 11/23 is 勤労感謝の日


def test_a_failed_or_suppressed_message_does_not_count(capped):
    tax, water, tax_case, water_case = two_departments()
    first = send(tax_case, "a")
    first.status = SmsStatus.FAILED
    db.session.commit()
    assert send(water_case, "b").status == SmsStatus.QUEUED


def test_the_promise_due_reminder_is_exempt_from_the_daily_cap_but_counts_for_the_week(capped):
    tax, water, tax_case, water_case = two_departments()
    send(tax_case, "a")
    reminder = send(water_case, "promise", daily_cap_exempt=True)
    assert (reminder.status, reminder.cap_day) == (SmsStatus.QUEUED, MONDAY)
    send(tax_case, "b")  # Tuesday
    assert send(tax_case, "c").status == SmsStatus.SUPPRESSED  # 3 in the week already


def test_the_promise_due_rule_s_messages_are_exempt(capped):
    from app.escalation.models import EscalationRule

    tax, water, tax_case, water_case = two_departments()
    rule = db.session.scalar(select(EscalationRule).where(EscalationRule.department_id == tax.id,
                                                          EscalationRule.trigger == "promise_due"))
    send(water_case, "a")
    assert send(tax_case, "b", rule=rule).status == SmsStatus.QUEUED


def _live_count() -> int:
    """Messages to the number that will go out (queued today or scheduled for later)."""
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(SmsMessage).where(
        SmsMessage.to_e164 == MOBILE, SmsMessage.status != SmsStatus.SUPPRESSED))


def test_ten_concurrent_transactions_on_one_number_queue_one_message(app, capped):
    """Each thread is its own transaction (its own app context and session), all released at
    once: without the advisory lock each one counts zero messages and queues its own."""
    tax, water, tax_case, water_case = two_departments()
    ids = [(tax_case.id if i % 2 else water_case.id) for i in range(10)]
    barrier = threading.Barrier(len(ids))
    errors = []

    def one(i, case_id):
        try:
            with app.app_context():
                from app.cases.models import Case

                case = db.session.get(Case, case_id)
                phone = case.taxpayer.phones[0]
                barrier.wait(10)
                queue_sms(case, phone, "【課】048-555-0100", idempotency_key=f"race:{i}", now=NOW)
                db.session.commit()
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i, case_id)) for i, case_id in enumerate(ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    rows = db.session.execute(select(SmsMessage.status, SmsMessage.cap_day).order_by(SmsMessage.id)).all()
    assert len(rows) == 10
    assert sum(1 for r in rows if r.status == SmsStatus.QUEUED) == 1  # Monday's one
    assert sorted(r.cap_day for r in rows if r.status == SmsStatus.SCHEDULED) == [
        MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)]
    assert sum(1 for r in rows if r.status == SmsStatus.SUPPRESSED) == 7


def test_ten_no_answer_calls_in_a_row_send_one_sms(client, capped):
    """Before: the rule fired on calls 2, 4, 6, 8 and 10 (a new streak after each firing)."""
    from app.escalation.models import EscalationFiring

    tax, water, tax_case, water_case = two_departments()
    token = create_token(f.user("op", "operator", tax), NOW)
    db.session.commit()
    phone_id = tax_case.taxpayer.phones[0].id
    for _ in range(10):
        response = client.post(f"/api/v1/cases/{tax_case.id}/calls",
                               headers={"Authorization": f"Bearer {token}"},
                               json={"phone_id": phone_id, "outcome": "no_answer"})
        assert response.status_code == 201
    assert _live_count() == 1
    # over-cap calls fire nothing
    assert db.session.scalar(select(func.count()).select_from(EscalationFiring)) == 1


def test_a_retried_client_s_concurrent_no_answer_calls_send_at_most_one_sms(app, capped):
    """Ten `no_answer` API calls at once over real HTTP (a client retrying without an
    Idempotency-Key), then WATER's calls to the same person: at most one SMS."""
    tax, water, tax_case, water_case = two_departments()
    operator = f.user("op", "operator", tax)
    token = create_token(operator, NOW)
    phone_id = tax_case.taxpayer.phones[0].id
    db.session.commit()
    with serving(app) as base:
        url = f"{base}/api/v1/cases/{tax_case.id}/calls"
        headers = {"Authorization": f"Bearer {token}"}
        barrier = threading.Barrier(10)
        answers = []

        def post():
            barrier.wait(10)
            answers.append(requests.post(url, json={"phone_id": phone_id, "outcome": "no_answer"},
                                         headers=headers, timeout=30).status_code)

        threads = [threading.Thread(target=post) for _ in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert answers == [201] * 10
    db.session.rollback()
    from app.calls.models import CallAttempt

    # The attempts were counted in turn (a few may not see a call stamped a moment later).
    assert db.session.scalar(select(func.count()).where(CallAttempt.over_cap.is_(True))) >= 5
    from app.calls.services import log_call

    for _ in range(2):  # WATER's rule fires on its second call: the caps hold it
        log_call(water_case, water_case.taxpayer.phones[0], "no_answer", "outbound", None, None,
                 datetime.now(UTC))
        db.session.commit()
    per_day = db.session.execute(select(SmsMessage.cap_day, func.count()).where(
        SmsMessage.to_e164 == MOBILE, SmsMessage.status != SmsStatus.SUPPRESSED
    ).group_by(SmsMessage.cap_day)).all()
    assert per_day and all(n == 1 for _day, n in per_day) and len(per_day) <= 3

