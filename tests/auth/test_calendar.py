"""The department calendar: `year_end` (12/29-1/3), closure dates (settings page and
`flask departments set CODE --closures ...`), the new default rest days, and SMS only inside
both the SMS hours and the calling hours."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from app.auth.calendar import is_allowed, is_rest_day, next_allowed
from app.auth.departments import DepartmentError, parse_closures
from app.auth.models import Department
from app.calls.claims import claim_next, why_nothing
from app.extensions import db
from app.sms.jobs import send_sms
from app.sms.models import SmsMessage
from app.sms.outbox import queue_sms
from tests import factories as f
from tests.auth.test_departments import _post, _settings_form

JST = __import__("zoneinfo").ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize("day, closed", [
    (date(2026, 12, 28), False), (date(2026, 12, 29), True), (date(2026, 12, 31), True),
    (date(2027, 1, 1), True), (date(2027, 1, 3), True), (date(2027, 1, 4), False),
])
def test_year_end_closes_december_29_to_january_3(day, closed):
    assert is_rest_day(day, "year_end") is closed
    assert is_rest_day(day, "") is False  # nothing closes without the word


def test_closure_dates_close_those_days_only():
    calendar = "sun,2026-08-13,2026-08-14"
    assert is_rest_day(date(2026, 8, 13), calendar) and is_rest_day(date(2026, 8, 14), calendar)
    assert not is_rest_day(date(2026, 8, 12), calendar) and not is_rest_day(date(2026, 8, 15), calendar)
    # Thursday 13th 10:00 JST is closed; the next allowed moment is Saturday 15th 09:00.
    moment = datetime(2026, 8, 13, 1, 0, tzinfo=UTC)
    assert not is_allowed(moment, time(9), time(20), calendar, JST)
    assert next_allowed(moment, time(9), time(20), calendar, JST) == datetime(2026, 8, 15, 9, 0, tzinfo=JST)


def test_parse_closures_normalises_and_refuses_bad_dates():
    assert parse_closures("2026-08-14, 2026-08-13\n2026-08-13") == "2026-08-13,2026-08-14"
    assert parse_closures("") == ""
    for bad in ("2026-02-30", "13/08/2026", "1899-12-31", "2026-8-13"):
        with pytest.raises(DepartmentError):
            parse_closures(bad)


def test_new_departments_rest_on_weekends_holidays_and_the_year_end(app, runner):
    assert f.department("TAX").rest_days == "sat,sun,holidays,year_end"
    result = runner.invoke(args=["departments", "create", "WATER", "上下水道課", "--sender-id", "WATER",
                                 "--callback-phone", "048-555-0200"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Department.rest_days).where(Department.code == "WATER")) == \
        "sat,sun,holidays,year_end"


def test_flask_departments_set_changes_only_what_is_given(app, runner):
    dept = f.department("TAX", calling_hours="08:30-19:00")
    result = runner.invoke(args=["departments", "set", "TAX", "--closures", "2026-08-13,2026-08-14"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    dept = db.session.get(Department, dept.id)
    assert dept.closures == "2026-08-13,2026-08-14" and dept.calling_start == time(8, 30)
    assert dept.rest_calendar == "sat,sun,holidays,year_end,2026-08-13,2026-08-14"
    bad = runner.invoke(args=["departments", "set", "TAX", "--closures", "2026-13-01"])
    assert bad.exit_code != 0 and "closures" in bad.output
    assert runner.invoke(args=["departments", "set", "NOPE", "--name", "x"]).exit_code != 0
    runner.invoke(args=["departments", "set", "TAX", "--rest-days", "sun", "--closures", ""])
    db.session.expire_all()
    assert (db.session.get(Department, dept.id).rest_days,
            db.session.get(Department, dept.id).closures) == ("sun", "")


def test_closures_on_the_settings_page_close_the_queue(client):
    dept = f.department("TAX")
    f.case(dept)
    operator = f.user("op", "operator", dept)
    f.login(client, f.user("sup", "supervisor", dept))
    token = _settings_form(client, "TAX")
    assert 'data-testid="closures"' in client.get("/departments/TAX/settings").get_data(as_text=True)
    response = _post(client, "TAX", token, closures="2026-11-16")
    assert response.status_code == 302
    bad = _post(client, "TAX", token, closures="2026-11-31")
    assert bad.status_code == 200 and "closures" in bad.get_data(as_text=True)
    db.session.expire_all()
    dept = db.session.get(Department, dept.id)
    assert dept.closures == "2026-11-16"
    assert claim_next(operator, f.WORKDAY_MORNING, 15) is None  # Monday 16th is a closure
    assert why_nothing(dept, f.WORKDAY_MORNING) == "rest day"
    assert claim_next(operator, f.WORKDAY_MORNING + timedelta(days=1), 15) is not None


def test_sms_hours_must_meet_the_calling_hours(client):
    dept = f.department("TAX")
    f.login(client, f.user("sup", "supervisor", dept))
    token = _settings_form(client, "TAX")
    response = _post(client, "TAX", token, calling_hours="09:00-12:00", sms_hours="13:00-20:00")
    assert response.status_code == 200 and "overlap" in response.get_data(as_text=True)


@pytest.mark.parametrize("local_hour, goes", [(9, False), (10, True), (17, True), (18, False)])
def test_an_sms_goes_only_inside_both_the_sms_and_the_calling_hours(app, monkeypatch, local_hour, goes):
    dept = f.department("TAX", sms_hours="09:00-20:00", calling_hours="10:00-18:00")
    case = f.case(dept)
    message = queue_sms(case, case.taxpayer.phones[0], "【課】048-555-0100", idempotency_key="k",
                        now=f.WORKDAY_MORNING)
    db.session.commit()
    moment = datetime(2026, 11, 16, local_hour, 30, tzinfo=JST)
    monkeypatch.setattr("app.clock.utcnow", lambda: moment.astimezone(UTC))
    monkeypatch.setattr("app.sms.providers.sandbox.SandboxProvider.send", lambda self, m: [])
    result = send_sms(message.id)
    db.session.expire_all()
    row = db.session.get(SmsMessage, message.id)
    if goes:
        assert row.status == "sent", result
    else:
        assert row.status == "scheduled" and row.scheduled_for.astimezone(JST).hour == 10, result
