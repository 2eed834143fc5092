import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.calls.services import log_call
from app.cases.models import Case
from app.extensions import db
from tests import factories as f

NOW = f.WORKDAY_MORNING


@pytest.fixture
def at_workday(monkeypatch):
    monkeypatch.setattr(clock, "utcnow", lambda: NOW)


def _world():
    tax, water = f.department("TAX"), f.department("WATER")
    return tax, water, f.user("op1", "operator", tax)


def test_case_screen_shows_taxpayer_phones_charges_and_timeline(client, at_workday):
    tax, _, op = _world()
    case = f.case(tax, balance=123456, phones=(("+819012345678", "mobile", True),
                                               ("+81485550199", "fixed", False)))
    case.taxpayer.address = "埼玉県三郷市花和田648-1"
    mobile, fixed = case.taxpayer.phones
    f.opt_out(fixed, tax.id, commit=False)
    db.session.commit()
    log_call(case, mobile, "busy", "outbound", "first try", op, NOW - timedelta(hours=2))
    log_call(case, fixed, "wrong_number", "outbound", "not them", op, NOW - timedelta(hours=1))
    db.session.commit()
    f.login(client, op)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    for text in (case.taxpayer.name, case.taxpayer.name_kana, "埼玉県三郷市花和田648-1",
                 "090-1234-5678", "048-555-0199", "住民税", "123,456"):
        assert text in page
    assert f'data-testid="unusable-{fixed.id}"' in page
    assert f'data-testid="opted-out-{fixed.id}"' in page  # TAX's opt-out, on TAX's case
    # Outcome buttons only for the usable phone.
    assert f'data-testid="outcome-{mobile.id}-no_answer"' in page
    assert f'data-testid="outcome-{fixed.id}-no_answer"' not in page
    labels = re.findall(r'data-testid="timeline-call" data-label="(\w+)"', page)
    assert labels == ["wrong_number", "busy"]  # newest first
    assert page.index("not them") < page.index("first try")


def test_operator_of_another_department_gets_404(client, at_workday):
    tax, water, op = _world()
    theirs = f.case(water)
    f.login(client, op)
    assert client.get(f"/cases/{theirs.id}").status_code == 404
    assert client.get("/cases/999999").status_code == 404


def test_manager_sees_every_department_but_logs_nothing(client, at_workday):
    _, water, _ = _world()
    theirs = f.case(water)
    f.login(client, f.user("boss", "manager"))
    page = client.get(f"/cases/{theirs.id}")
    assert page.status_code == 200
    assert 'data-testid="outcome-' not in page.get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="search-q"' in home and 'data-testid="next-case"' not in home


def test_home_next_case_claims_and_opens_the_case(client, at_workday):
    tax, _, op = _world()
    case = f.case(tax)
    f.login(client, op)
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="next-case"' in home
    assert re.search(r'data-testid="workable-count">1<', home)
    response = client.post("/queue/next", data={"csrf_token": f.csrf_from(home)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/{case.id}")
    db.session.expire_all()
    assert db.session.get(Case, case.id).claimed_by_id == op.id
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="current-claim"' in home and case.case_ref in home


def test_next_case_when_nothing_is_workable_says_why(client, monkeypatch):
    tax, _, op = _world()
    f.case(tax)
    monkeypatch.setattr(clock, "utcnow", lambda: datetime(2026, 11, 22, 1, 0, tzinfo=UTC))  # Sunday
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    f.login(client, op)
    token = f.csrf_from(client.get("/").get_data(as_text=True))
    response = client.post("/queue/next", data={"csrf_token": token}, follow_redirects=True)
    assert response.request.path == "/"
    assert "rest day" in response.get_data(as_text=True)
    assert db.session.scalar(select(Case.claimed_by_id)) is None


def test_next_case_needs_csrf_and_an_operator_role(client, at_workday):
    tax, _, op = _world()
    f.login(client, op)
    assert client.post("/queue/next").status_code == 400
    client.post("/logout", data={"csrf_token": f.csrf_from(client.get("/").get_data(as_text=True))})
    f.login(client, f.user("boss", "manager"))
    token = f.csrf_from(client.get("/").get_data(as_text=True))
    assert client.post("/queue/next", data={"csrf_token": token}).status_code == 403
