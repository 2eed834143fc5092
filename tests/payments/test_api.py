"""POST /api/v1/payments: 201 new, 200 replay, 409 reused ref, 422 bad data; managers and admins."""

import pytest
from sqlalchemy import func, select

from app.cases.models import Case
from app.extensions import db
from app.payments.models import Payment
from tests import factories as f
from tests.cases.test_import_api import token_headers

BODY = {"payment_ref": "REV-1", "case_ref": "C1", "amount": 12000, "paid_on": "2026-11-16"}


@pytest.fixture
def setup(app, runner, monkeypatch):
    monkeypatch.setattr("app.clock.utcnow", lambda: f.WORKDAY_MORNING)
    dept = f.department("TAX")
    case = f.case(dept, ref="C1", balance=50000)
    f.user("revenue", "manager")
    return case, token_headers(runner, "revenue")


def post(client, headers, body):
    return client.post("/api/v1/payments", json=body, headers=headers)


def test_created_then_replayed_then_conflict(client, setup):
    case, headers = setup
    first = post(client, headers, BODY)
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert {k: body[k] for k in ("payment_ref", "amount", "paid_on", "source")} == {
        "payment_ref": "REV-1", "amount": 12000, "paid_on": "2026-11-16", "source": "api"}
    assert body["case"] == {"id": case.id, "case_ref": "C1", "balance": 38000, "status": "open"}

    replay = post(client, headers, BODY)
    assert replay.status_code == 200 and replay.get_json()["id"] == body["id"]
    assert replay.get_json()["case"]["balance"] == 38000

    conflict = post(client, headers, BODY | {"amount": 12001})
    assert conflict.status_code == 409 and "payment_ref" in conflict.get_json()["fields"]
    db.session.expire_all()
    assert db.session.get(Case, case.id).balance == 38000
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"amount": "12000"}, "amount"), ({"amount": -1}, "amount"), ({"amount": None}, "amount"),
    ({"paid_on": "16/11/2026"}, "paid_on"), ({"paid_on": "2026-02-30"}, "paid_on"),
    ({"paid_on": "2026-11-17"}, "paid_on"), ({"case_ref": "NOPE"}, "case_ref"),
    ({"payment_ref": ""}, "payment_ref"), ({"payment_ref": 7}, "payment_ref"),
])
def test_bad_values_are_422_with_the_field(client, setup, change, field):
    _, headers = setup
    response = post(client, headers, BODY | change)
    assert response.status_code == 422 and field in response.get_json()["fields"], response.get_json()
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0


def test_a_body_that_is_not_an_object_is_400(client, setup):
    _, headers = setup
    assert client.post("/api/v1/payments", data="[1]", content_type="application/json",
                       headers=headers).status_code == 400
    assert client.post("/api/v1/payments", data="{", content_type="application/json",
                       headers=headers).status_code == 400


def test_only_managers_and_admins_post_payments(client, runner, setup):
    case, _ = setup
    for login, role in (("op", "operator"), ("boss", "supervisor")):
        f.user(login, role, case.department)
        assert post(client, token_headers(runner, login), BODY).status_code == 403
    assert post(client, {"Authorization": "Bearer not-a-token"}, BODY).status_code == 401
    f.user("root", "admin")
    assert post(client, token_headers(runner, "root"), BODY).status_code == 201
