import re

import pytest
from sqlalchemy import func, select

from app import clock
from app.calls.models import CallAttempt
from app.extensions import db
from tests import factories as f

NOW = f.WORKDAY_MORNING


@pytest.fixture
def at_workday(monkeypatch):
    monkeypatch.setattr(clock, "utcnow", lambda: NOW)


def _form_of(html: str, phone_id: int) -> dict:
    """The hidden inputs of the call form of `phone_id`, as the browser would send them."""
    start = html.index(f'name="phone_id" value="{phone_id}"')
    chunk = html[html.rindex("<form", 0, start):html.index("</form>", start)]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', chunk))
    return fields | {"direction": "outbound", "notes": ""}


def _calls() -> list[CallAttempt]:
    db.session.expire_all()
    return list(db.session.scalars(select(CallAttempt).order_by(CallAttempt.id)))


def test_one_click_logs_a_call_and_a_double_submit_logs_one(client, at_workday):
    dept = f.department("TAX")
    op = f.user("op1", "operator", dept)
    case = f.case(dept)
    phone_id = case.taxpayer.phones[0].id
    f.login(client, op)
    form = _form_of(client.get(f"/cases/{case.id}").get_data(as_text=True), phone_id)
    assert set(form) >= {"csrf_token", "phone_id", "submission_key"}
    data = form | {"outcome": "no_answer", "notes": "rang 10 times"}
    first = client.post(f"/cases/{case.id}/calls", data=data)
    assert first.status_code == 302 and first.headers["Location"].endswith(f"/cases/{case.id}")
    second = client.post(f"/cases/{case.id}/calls", data=data)
    assert second.status_code == 302
    calls = _calls()
    assert len(calls) == 1
    assert (calls[0].outcome, calls[0].notes, calls[0].user_id) == ("no_answer", "rang 10 times", op.id)
    # A freshly rendered form has a new key: the next click is a new call.
    form = _form_of(client.get(f"/cases/{case.id}").get_data(as_text=True), phone_id)
    client.post(f"/cases/{case.id}/calls", data=form | {"outcome": "busy"})
    assert [c.outcome for c in _calls()] == ["no_answer", "busy"]


def test_inbound_call_on_a_case_found_by_search_needs_no_claim(client, at_workday):
    dept = f.department("TAX")
    case = f.case(dept)
    f.login(client, f.user("op1", "operator", dept))
    form = _form_of(client.get(f"/cases/{case.id}").get_data(as_text=True), case.taxpayer.phones[0].id)
    client.post(f"/cases/{case.id}/calls", data=form | {"outcome": "answered", "direction": "inbound"})
    [call] = _calls()
    assert call.direction == "inbound" and call.outcome == "answered"


def test_call_form_needs_csrf(client, at_workday):
    dept = f.department("TAX")
    case = f.case(dept)
    f.login(client, f.user("op1", "operator", dept))
    form = _form_of(client.get(f"/cases/{case.id}").get_data(as_text=True), case.taxpayer.phones[0].id)
    del form["csrf_token"]
    assert client.post(f"/cases/{case.id}/calls", data=form | {"outcome": "busy"}).status_code == 400
    assert _calls() == []


def test_bad_outcome_is_refused_without_a_call(client, at_workday):
    dept = f.department("TAX")
    case = f.case(dept)
    f.login(client, f.user("op1", "operator", dept))
    form = _form_of(client.get(f"/cases/{case.id}").get_data(as_text=True), case.taxpayer.phones[0].id)
    response = client.post(f"/cases/{case.id}/calls", data=form | {"outcome": "hung_up"})
    assert response.status_code == 302
    assert _calls() == []


def test_operator_of_another_department_cannot_log_on_the_case(client, at_workday):
    tax, water = f.department("TAX"), f.department("WATER")
    theirs = f.case(water)
    f.login(client, f.user("op1", "operator", tax))
    token = f.csrf_from(client.get("/").get_data(as_text=True))
    data = {"csrf_token": token, "phone_id": theirs.taxpayer.phones[0].id, "outcome": "busy",
            "direction": "outbound", "submission_key": "x1"}
    assert client.post(f"/cases/{theirs.id}/calls", data=data).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(CallAttempt)) == 0


def test_manager_may_not_log_calls(client, at_workday):
    dept = f.department("TAX")
    case = f.case(dept)
    f.login(client, f.user("boss", "manager"))
    token = f.csrf_from(client.get("/").get_data(as_text=True))
    data = {"csrf_token": token, "phone_id": case.taxpayer.phones[0].id, "outcome": "busy"}
    assert client.post(f"/cases/{case.id}/calls", data=data).status_code == 403
