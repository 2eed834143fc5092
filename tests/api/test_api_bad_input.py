"""Requests the fuzzing found to reach the database driver or overflow: now a 400 JSON error
that writes nothing (NUL characters, lone surrogates, deep JSON, dates outside 1900-2199),
and unknown /api/v1 URLs or methods answered in JSON like the rest of the API."""

import io

import pytest
from sqlalchemy import func, select

from app import clock
from app.auth.services import create_token
from app.calls.models import CallAttempt
from app.cases.models import ImportJob
from app.extensions import db
from app.payments.models import Payment
from app.promises.models import Promise
from tests import factories as f

NOW = f.WORKDAY_MORNING


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setattr(clock, "utcnow", lambda: NOW)
    tax = f.department("TAX")
    case = f.case(tax)
    tokens = {role: create_token(f.user(role, role, None if role == "admin" else tax), NOW)
              for role in ("operator", "admin")}
    db.session.commit()
    return {"case": case, **{role: {"Authorization": f"Bearer {t}"} for role, t in tokens.items()}}


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _refused(response, code=400) -> str:
    assert response.status_code == code and response.is_json
    return response.get_json()["error"]


def test_nul_in_a_search_is_a_400(client, world):
    assert "NUL" in _refused(client.get("/api/v1/cases?q=%00", headers=world["operator"]))
    assert client.get("/api/v1/cases?q=zz", headers=world["operator"]).status_code == 200


@pytest.mark.parametrize("body", [
    '{"payment_ref": "P\\u0000", "case_ref": "C", "amount": 1, "paid_on": "2026-11-16"}',
    '{"payment_ref": "P1", "case_ref": "\\ud800", "amount": 1, "paid_on": "2026-11-16"}',
    '{"payment_ref": "P1", "case_ref": "C", "amount": 1, "paid_on": "2026-11-16", "x": ["\\u0000"]}',
    '{"a": ' * 3000 + "1" + "}" * 3000,
])
def test_payment_bodies_the_database_cannot_take(client, world, body):
    response = client.post("/api/v1/payments", headers=world["admin"], data=body,
                           content_type="application/json")
    assert _refused(response) and _count(Payment) == 0


def test_call_and_promise_notes_with_nul_write_nothing(client, world):
    case = world["case"]
    phone_id = case.taxpayer.phones[0].id
    _refused(client.post(f"/api/v1/cases/{case.id}/calls", headers=world["operator"],
                         json={"phone_id": phone_id, "outcome": "busy", "notes": "a\x00b"}))
    _refused(client.post(f"/api/v1/cases/{case.id}/promises", headers=world["operator"],
                         json={"amount": 100, "due_date": "2026-11-20", "notes": "\x00"}))
    assert _count(CallAttempt) == 0 and _count(Promise) == 0
    ok = client.post(f"/api/v1/cases/{case.id}/calls", headers=world["operator"],
                     json={"phone_id": phone_id, "outcome": "busy", "notes": "fine"})
    assert ok.status_code == 201 and _count(CallAttempt) == 1


def test_an_upload_named_with_nul_is_refused(client, world):
    data = {"file": (io.BytesIO(b"case_ref\n"), "cases\x00.csv")}
    response = client.post("/api/v1/imports", headers=world["admin"], data=data,
                           content_type="multipart/form-data")
    assert _refused(response) and _count(ImportJob) == 0


@pytest.mark.parametrize("start, end", [("0001-01-01", "0001-12-31"), ("9999-12-01", "9999-12-31"),
                                        ("1899-12-31", "1900-01-31"), ("2199-12-31", "2200-01-01")])
def test_report_dates_outside_1900_to_2199_are_a_400(client, world, start, end):
    response = client.get(f"/api/v1/reports/summary?from={start}&to={end}", headers=world["admin"])
    _refused(response)
    assert "1900-01-01" in str(response.get_json()["fields"])


def test_report_dates_at_the_edges_still_work(client, world):
    for start, end in (("1900-01-01", "1900-01-31"), ("2199-12-01", "2199-12-31")):
        response = client.get(f"/api/v1/reports/summary?from={start}&to={end}", headers=world["admin"])
        assert response.status_code == 200 and response.get_json()["period"]["to"] == end


def test_unknown_urls_and_methods_under_the_api_are_json(client, world):
    assert _refused(client.get("/api/v1/nowhere", headers=world["admin"]), 404)
    assert _refused(client.get("/api/v1/cases/0", headers=world["admin"]), 404)
    response = client.delete("/api/v1/payments", headers=world["admin"])
    assert _refused(response, 405) and "POST" in response.headers["Allow"]
    page = client.get("/no-such-page")  # outside the API: the usual page
    assert page.status_code == 404 and not page.is_json
