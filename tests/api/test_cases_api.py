from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app import clock
from app.auth.services import create_token
from app.calls.models import CallAttempt
from app.cases.models import Case
from app.extensions import db
from tests import factories as f

NOW = f.WORKDAY_MORNING


@pytest.fixture
def at_workday(monkeypatch):
    monkeypatch.setattr(clock, "utcnow", lambda: NOW)


def _bearer(user) -> dict:
    token = create_token(user, NOW)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def world(app, at_workday):
    tax, water = f.department("TAX"), f.department("WATER")
    mine = f.case(tax, balance=80000, phones=(("+819012345678", "mobile", True),
                                              ("+81485550199", "fixed", False)))
    theirs = f.case(water, phones=(("+819099998888", "mobile", True),))
    op = f.user("op1", "operator", tax)
    return {"mine": mine, "theirs": theirs, "op": op, "h": _bearer(op)}


def _calls() -> int:
    return db.session.scalar(select(func.count()).select_from(CallAttempt))


def test_case_body(client, world):
    case = world["mine"]
    body = client.get(f"/api/v1/cases/{case.id}", headers=world["h"]).get_json()
    assert body["id"] == case.id and body["case_ref"] == case.case_ref
    assert body["department"] == "TAX" and body["status"] == "open" and body["balance"] == 80000
    assert body["taxpayer"] == {"ref": case.taxpayer.taxpayer_ref, "name": case.taxpayer.name,
                                "name_kana": case.taxpayer.name_kana, "address": ""}
    assert [p["e164"] for p in body["phones"]] == ["+819012345678", "+81485550199"]
    assert body["phones"][1] == {"id": case.taxpayer.phones[1].id, "e164": "+81485550199", "kind": "fixed",
                                 "consent": False, "consent_on": None, "consent_source": None,
                                 "consent_recorded_by": None, "consent_recorded_at": None,
                                 "opted_out": False, "opted_out_city_wide": False, "usable": True,
                                 "verified_until": None}
    assert body["phones"][0]["consent"] is True and body["phones"][0]["consent_source"] == "import"
    assert body["charges"] == [{"tax_type": "住民税", "fiscal_year": 2025, "period": "", "notice_no": "",
                                "amount_due": 80000, "due_date": "2025-05-31", "assessed": None,
                                "late_fee": None, "dunning_fee": None, "dunning_notice_on": None,
                                "limitation_on": None, "status": "open"}]
    assert body["calls"] == [] and body["sms"] == [] and body["promises"] == [] and body["payments"] == []


def test_other_department_is_404_in_json(client, world):
    response = client.get(f"/api/v1/cases/{world['theirs'].id}", headers=world["h"])
    assert response.status_code == 404 and response.get_json()["error"]
    phone_id = world["theirs"].taxpayer.phones[0].id
    response = client.post(f"/api/v1/cases/{world['theirs'].id}/calls", headers=world["h"],
                           json={"phone_id": phone_id, "outcome": "busy"})
    assert response.status_code == 404 and _calls() == 0


def test_log_a_call_and_replay_it_with_the_idempotency_key(client, world):
    case = world["mine"]
    phone_id = case.taxpayer.phones[1].id
    headers = world["h"] | {"Idempotency-Key": "crm-42"}
    payload = {"phone_id": phone_id, "outcome": "no_answer", "notes": "no one home"}
    first = client.post(f"/api/v1/cases/{case.id}/calls", headers=headers, json=payload)
    assert first.status_code == 201
    call = first.get_json()
    assert call["outcome"] == "no_answer" and call["direction"] == "outbound"
    assert call["phone_id"] == phone_id and call["user"] == "op1" and call["over_cap"] is False
    assert datetime.fromisoformat(call["at"]) == NOW
    again = client.post(f"/api/v1/cases/{case.id}/calls", headers=headers, json=payload)
    assert again.status_code == 200 and again.get_json()["id"] == call["id"]
    assert _calls() == 1
    body = client.get(f"/api/v1/cases/{case.id}", headers=world["h"]).get_json()
    assert [c["id"] for c in body["calls"]] == [call["id"]]
    db.session.expire_all()
    # A no-answer on the fixed line schedules a retry 4 hours later (14:00 JST).
    assert db.session.get(Case, case.id).next_action_at == datetime(2026, 11, 16, 5, 0, tzinfo=UTC)


def test_inbound_call_needs_no_claim(client, world):
    case = world["mine"]
    response = client.post(f"/api/v1/cases/{case.id}/calls", headers=world["h"], json={
        "phone_id": case.taxpayer.phones[0].id, "outcome": "answered", "direction": "inbound"})
    assert response.status_code == 201 and response.get_json()["direction"] == "inbound"


@pytest.mark.parametrize("body,status,field", [
    ("not json", 400, None),
    ([1, 2], 400, None),
    ({"outcome": "busy"}, 422, "phone_id"),
    ({"phone_id": "x", "outcome": "busy"}, 422, "phone_id"),
    ({"phone_id": "MINE", "outcome": "hung_up"}, 422, "outcome"),
    ({"phone_id": "MINE"}, 422, "outcome"),
    ({"phone_id": "MINE", "outcome": "busy", "direction": "up"}, 422, "direction"),
    ({"phone_id": "MINE", "outcome": "busy", "notes": 5}, 422, "notes"),
    ({"phone_id": "THEIRS", "outcome": "busy"}, 422, "phone_id"),
    ({"phone_id": 999999, "outcome": "busy"}, 422, "phone_id"),
])
def test_bad_bodies_are_json_errors(client, world, body, status, field):
    case = world["mine"]
    ids = {"MINE": case.taxpayer.phones[0].id, "THEIRS": world["theirs"].taxpayer.phones[0].id}
    if isinstance(body, dict) and body.get("phone_id") in ids:
        body = body | {"phone_id": ids[body["phone_id"]]}
    if isinstance(body, str):
        response = client.post(f"/api/v1/cases/{case.id}/calls", headers=world["h"], data=body)
    else:
        response = client.post(f"/api/v1/cases/{case.id}/calls", headers=world["h"], json=body)
    assert response.status_code == status
    error = response.get_json()
    assert error["error"]
    if field:
        assert field in error["fields"]
    assert _calls() == 0


def test_search(client, world):
    response = client.get("/api/v1/cases?q=090-1234-5678", headers=world["h"])
    assert response.get_json() == [{"id": world["mine"].id, "case_ref": world["mine"].case_ref,
                                     "taxpayer": world["mine"].taxpayer.name, "status": "open",
                                     "balance": 80000}]
    assert client.get("/api/v1/cases?q=090-9999-8888", headers=world["h"]).get_json() == []
    empty = client.get("/api/v1/cases?q=", headers=world["h"])
    assert empty.status_code == 400 and "q" in empty.get_json()["fields"]
    assert client.get("/api/v1/cases?q=x").status_code == 401


def test_claim_200_then_204(client, world):
    first = client.post("/api/v1/queue/claim", headers=world["h"])
    assert first.status_code == 200 and first.get_json()["id"] == world["mine"].id
    assert first.get_json()["department"] == "TAX"
    other = _bearer(f.user("op2", "operator", world["mine"].department))
    assert client.post("/api/v1/queue/claim", headers=other).status_code == 204


def test_manager_reads_everything_but_writes_nothing(client, world):
    h = _bearer(f.user("boss", "manager"))
    assert client.get(f"/api/v1/cases/{world['theirs'].id}", headers=h).status_code == 200
    phone_id = world["theirs"].taxpayer.phones[0].id
    response = client.post(f"/api/v1/cases/{world['theirs'].id}/calls", headers=h,
                           json={"phone_id": phone_id, "outcome": "busy"})
    assert response.status_code == 403 and response.get_json()["error"]
    assert client.post("/api/v1/queue/claim", headers=h).status_code == 403


def test_browser_session_needs_the_csrf_header_to_write(client, world):
    f.login(client, world["op"])
    case = world["mine"]
    response = client.post(f"/api/v1/cases/{case.id}/calls",
                           json={"phone_id": case.taxpayer.phones[0].id, "outcome": "busy"})
    assert response.status_code == 400 and response.get_json()["error"] and _calls() == 0


def test_ids_beyond_the_database_range_are_4xx_not_500(client, runner):
    dept = f.department("TAX")
    f.user("op", "operator", dept)
    case = f.case(dept)
    token = runner.invoke(args=["users", "token", "op"]).output.strip()
    headers = {"Authorization": f"Bearer {token}"}
    huge = 10**20
    assert client.get(f"/api/v1/cases/{huge}", headers=headers).status_code == 404
    response = client.post(f"/api/v1/cases/{case.id}/calls", headers=headers,
                           json={"phone_id": huge, "outcome": "busy"})
    assert response.status_code == 422
    assert "phone_id" in response.get_json()["fields"]
