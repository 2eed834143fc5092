"""POST /api/v1/cases/<id>/promises, and promises/payments in GET /api/v1/cases/<id>."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.promises.models import Promise
from tests import factories as f
from tests.cases.test_import_api import token_headers
from tests.promises.helpers import pay


@pytest.fixture
def setup(app, runner, monkeypatch):
    monkeypatch.setattr("app.clock.utcnow", lambda: f.WORKDAY_MORNING)
    dept = f.department("TAX")
    case = f.case(dept, balance=50000)
    f.user("op", "operator", dept)
    return case, token_headers(runner, "op")


def post(client, case, headers, body):
    return client.post(f"/api/v1/cases/{case.id}/promises", json=body, headers=headers)


def test_a_single_promise_is_201_with_the_promise(client, setup):
    case, headers = setup
    response = post(client, case, headers, {"amount": 20000, "due_date": "2026-11-20", "notes": "bank"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert {k: body[k] for k in ("status", "total_amount", "collected", "first_due_date", "last_due_date",
                                 "created_by", "notes", "above_balance_allowed")} == {
        "status": "pending", "total_amount": 20000, "collected": 0, "first_due_date": "2026-11-20",
        "last_due_date": "2026-11-20", "created_by": "op", "notes": "bank", "above_balance_allowed": False}
    assert body["instalments"] == [{"seq": 1, "amount": 20000, "due_date": "2026-11-20", "status": "pending"}]


def test_an_instalment_plan(client, setup):
    case, headers = setup
    response = post(client, case, headers, {"instalments": [
        {"amount": 10000, "due_date": "2026-11-30"}, {"amount": 15000, "due_date": "2026-12-30"}]})
    assert response.status_code == 201
    assert [i["amount"] for i in response.get_json()["instalments"]] == [10000, 15000]
    assert response.get_json()["total_amount"] == 25000


@pytest.mark.parametrize(("body", "fields"), [
    ({"amount": 0, "due_date": "2026-11-20"}, {"amount"}),
    ({"amount": 100, "due_date": "2026-11-15"}, {"due_date"}),
    ({"amount": 100, "due_date": "20261120"}, {"due_date"}),
    ({"amount": 100}, {"due_date"}),
    ({"amount": 60000, "due_date": "2026-11-20"}, {"total"}),
    ({"instalments": [{"amount": 100, "due_date": "2026-12-01"}, {"amount": "x", "due_date": "2026-11-01"}]},
     {"instalments.1.amount", "instalments.1.due_date", "instalments"}),
])
def test_unacceptable_promises_are_422_in_english(client, setup, body, fields):
    case, headers = setup
    response = post(client, case, headers | {"Accept-Language": "ja"}, body)
    assert response.status_code == 422, response.get_json()
    assert set(response.get_json()["fields"]) == fields
    assert response.get_json()["error"] == "The promise could not be recorded."
    assert db.session.scalar(select(func.count()).select_from(Promise)) == 0


@pytest.mark.parametrize("body", [
    [1], {"instalments": []}, {"instalments": "x"}, {"instalments": [5]}, {},
    {"amount": 1, "due_date": "2026-11-20", "instalments": []},
    {"amount": 1, "due_date": "2026-11-20", "allow_above_balance": "yes"},
])
def test_malformed_bodies_are_400(client, setup, body):
    case, headers = setup
    assert post(client, case, headers, body).status_code == 400


def test_roles_and_department_scoping(client, runner, setup):
    case, _ = setup
    other = f.case(f.department("WATER"))
    _, headers = setup
    assert post(client, other, headers, {"amount": 1, "due_date": "2026-11-20"}).status_code == 404
    f.user("mgr", "manager")
    assert post(client, case, token_headers(runner, "mgr"),
                {"amount": 1, "due_date": "2026-11-20"}).status_code == 403
    f.user("boss", "supervisor", case.department)
    response = post(client, case, token_headers(runner, "boss"),
                    {"amount": 60000, "due_date": "2026-11-20", "allow_above_balance": True})
    assert response.status_code == 201 and response.get_json()["above_balance_allowed"] is True


def test_the_case_lists_its_promises_and_payments(client, setup):
    case, headers = setup
    assert post(client, case, headers, {"amount": 20000, "due_date": "2026-11-20"}).status_code == 201
    pay(case, 5000, f.WORKDAY_MORNING.date(), ref="REV-9")
    body = client.get(f"/api/v1/cases/{case.id}", headers=headers).get_json()
    assert [p["status"] for p in body["promises"]] == ["pending"]
    assert [(p["payment_ref"], p["amount"], p["paid_on"]) for p in body["payments"]] == [
        ("REV-9", 5000, "2026-11-16")]
    assert body["balance"] == 45000
