from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import Department
from app.extensions import db
from tests import factories as f


def _settings_form(client, code):
    page = client.get(f"/departments/{code}/settings")
    assert page.status_code == 200
    return f.csrf_from(page.get_data(as_text=True))


def _post(client, code, token, **changes):
    data = {
        "name": "税務課", "sender_id": "MisatoTax", "callback_phone": "048-555-0100",
        "calling_hours": "09:00-20:00", "sms_hours": "09:00-20:00", "rest_days": "sun,holidays",
        "max_calls_per_day": "3", "max_calls_per_week": "7", "csrf_token": token,
    }
    data.update(changes)
    return client.post(f"/departments/{code}/settings", data=data)


def test_supervisor_edits_own_department_and_it_is_audited(client):
    dept = f.department("TAX")
    f.login(client, f.user("sup", "supervisor", dept))
    token = _settings_form(client, "TAX")
    response = _post(client, "TAX", token, calling_hours="08:30-19:00", rest_days="sat,sun")
    assert response.status_code == 302
    db.session.expire_all()
    dept = db.session.scalar(select(Department).where(Department.code == "TAX"))
    assert dept.calling_start.strftime("%H:%M") == "08:30"
    assert dept.rest_days == "sat,sun"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "department.update"))
    # the default before
    assert event.details["changed"]["rest_days"] == ["sat,sun,holidays,year_end", "sat,sun"]


def test_bad_setting_rerenders_with_message_and_changes_nothing(client):
    dept = f.department("TAX")
    f.login(client, f.user("sup", "supervisor", dept))
    token = _settings_form(client, "TAX")
    response = _post(client, "TAX", token, calling_hours="20:00-09:00")
    assert response.status_code == 200
    assert "the end must be after the start" in response.get_data(as_text=True)
    response = _post(client, "TAX", token, sender_id="http://x.jp")
    assert "sender ID" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Department, dept.id).calling_start.strftime("%H:%M") == "09:00"


def test_supervisor_cannot_see_other_department_and_operator_is_forbidden(client):
    tax = f.department("TAX")
    f.department("WATER")
    f.login(client, f.user("sup", "supervisor", tax))
    assert client.get("/departments/WATER/settings").status_code == 404
    client2 = client.application.test_client()
    f.login(client2, f.user("op", "operator", tax))
    assert client2.get("/departments/TAX/settings").status_code == 403


def test_public_sender_page_needs_no_login_and_lists_every_department(client):
    f.department("TAX", name="税務課", sender_id="MisatoTax", callback_phone="048-555-0101")
    f.department("WATER", name="水道課", sender_id="MisatoWater", callback_phone="048-555-0102")
    page = client.get("/senders")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in ("MisatoTax", "048-555-0101", "MisatoWater", "水道課"):
        assert text in html


def test_language_switch(client):
    f.department("TAX")
    page = client.get("/senders", headers={"Accept-Language": "en"})
    assert "Official SMS sender IDs" in page.get_data(as_text=True)
    token = f.csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/language/ja", data={"csrf_token": token, "next": "/senders"})
    page = client.get("/senders", headers={"Accept-Language": "en"})
    assert "送信元" in page.get_data(as_text=True)
