"""The promise form on the case screen: record, re-render with reasons, roles, scoping, CSRF."""

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from app import clock
from app.extensions import db
from app.promises.models import Promise
from tests import factories as f
from tests.promises.helpers import pay

NOW = f.WORKDAY_MORNING


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setattr(clock, "utcnow", lambda: NOW)
    tax = f.department("TAX")
    return tax, f.case(tax, balance=50000), f.user("op", "operator", tax)


def screen(client, case) -> tuple[str, str]:
    page = client.get(f"/cases/{case.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    return page, f.csrf_from(page)


def submit(client, case, token, rows, **extra):
    data = {"csrf_token": token, **extra}
    for i, (amount, due) in enumerate(rows):
        data[f"instalments-{i}-amount"], data[f"instalments-{i}-due_date"] = amount, due
    return client.post(f"/cases/{case.id}/promises", data=data, headers={"Accept-Language": "en"})


def promises() -> list[Promise]:
    db.session.expire_all()
    return list(db.session.scalars(select(Promise).order_by(Promise.id)))


def test_an_operator_records_a_single_promise_and_sees_it(client, world):
    _, case, op = world
    f.login(client, op)
    page, token = screen(client, case)
    assert 'data-testid="promise-submit"' in page and "promise_form.js" in page
    assert 'name="instalments-0-amount"' in page and 'min="2026-11-16"' in page and 'max="2027-02-14"' in page
    response = submit(client, case, token, [("20,000", "2026-11-20")], notes="will pay at the bank")
    assert response.status_code == 302 and response.location.endswith(f"/cases/{case.id}")
    [made] = promises()
    assert (made.total_amount, made.last_due_date) == (20000, date(2026, 11, 20))
    assert made.notes == "will pay at the bank"
    page, _ = screen(client, case)
    assert "Promise recorded." in page
    assert 'data-testid="pending-promise"' in page
    assert re.search(r'data-testid="timeline-promise" data-label="pending"', page)
    assert "20,000" in page and "will pay at the bank" in page


def test_an_instalment_plan_from_several_rows_and_blank_rows_are_ignored(client, world):
    _, case, op = world
    f.login(client, op)
    _, token = screen(client, case)
    response = submit(client, case, token, [("10000", "2026-11-30"), ("", ""), ("15000", "2026-12-30")])
    assert response.status_code == 302
    [made] = promises()
    assert [(i.seq, i.amount, i.due_date) for i in made.instalments] == [
        (1, 10000, date(2026, 11, 30)), (2, 15000, date(2026, 12, 30))]


@pytest.mark.parametrize(("rows", "reason"), [
    ([("20000", "2026-11-15")], "The date is in the past."),
    ([("abc", "2026-11-20")], "Enter a whole number of yen"),
    ([("20000", "2026-13-40")], "Not a valid date value"),
    ([("20000", "")], "The date must be a date YYYY-MM-DD."),
    ([("60000", "2026-11-20")], "above the balance"),
    ([("100", "2026-12-01"), ("100", "2026-11-30")], "in order"),
    ([("", "")], "Give at least one amount and date."),
])
def test_bad_input_rerenders_the_case_screen_with_the_reason(client, world, rows, reason):
    _, case, op = world
    f.login(client, op)
    _, token = screen(client, case)
    response = submit(client, case, token, rows)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert reason in page and 'data-testid="promise-error"' in page
    assert case.case_ref in page and 'data-testid="timeline"' in page  # the whole case screen
    for amount, _ in rows:
        assert f'value="{amount}"' in page  # what was typed is kept
    assert promises() == []


def test_a_supervisor_may_allow_a_total_above_the_balance(client, world):
    tax, case, _ = world
    boss = f.user("boss", "supervisor", tax)
    f.login(client, boss)
    page, token = screen(client, case)
    assert 'data-testid="promise-allow"' in page
    assert submit(client, case, token, [("60000", "2026-11-20")]).status_code == 422
    assert submit(client, case, token, [("60000", "2026-11-20")], allow_above_balance="y").status_code == 302
    assert promises()[0].allowed_by_id == boss.id


def test_operators_see_no_allowance_box_and_it_does_not_help_them(client, world):
    _, case, op = world
    f.login(client, op)
    page, token = screen(client, case)
    assert 'data-testid="promise-allow"' not in page
    response = submit(client, case, token, [("60000", "2026-11-20")], allow_above_balance="y")
    assert response.status_code == 422 and "Only a supervisor" in response.get_data(as_text=True)


def test_roles_scoping_and_csrf(client, world):
    tax, case, op = world
    water_case = f.case(f.department("WATER"))
    f.login(client, op)
    _, token = screen(client, case)
    assert submit(client, water_case, token, [("100", "2026-11-20")]).status_code == 404
    assert submit(client, case, "forged", [("100", "2026-11-20")]).status_code == 400
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    f.login(client, f.user("mgr", "manager"))
    page, token = screen(client, case)
    assert 'data-testid="promise-submit"' not in page
    assert submit(client, case, token, [("100", "2026-11-20")]).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Promise)) == 0


def test_the_timeline_shows_payments_and_a_paid_case_offers_no_form(client, world):
    _, case, op = world
    pay(case, 50000, date(2026, 11, 16), ref="REV-77")
    f.login(client, op)
    page, _ = screen(client, case)
    assert re.search(r'data-testid="timeline-payment" data-label="payment"', page)
    assert "REV-77" in page and "50,000" in page
    assert 'data-testid="promise-submit"' not in page
