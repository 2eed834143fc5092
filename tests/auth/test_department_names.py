"""Department names and sender IDs are checked when saved (issue 10): a name lands in every SMS
(【name】) and on /senders, so it may not bring a link, bank words or a long number."""

import pytest
from sqlalchemy import select

from app.auth.departments import DepartmentError, DepartmentSettings, create_department, update_department
from app.auth.models import Department
from app.extensions import db
from tests import factories as f

BAD_NAMES = ["税務課 https://pay.example", "税務課 www.example", "税務課 bit.ly/x", "税務課 口座 普通1234567",
             "税務課 振込先", "税務課 0001234567", "税務課 ｈｔｔｐｓ：／／ｅｘａｍｐｌｅ．ｊｐ",
             "税務{name}課", "税務】課"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_department_name_bringing_a_link_or_bank_details_is_refused(app, name):
    settings = DepartmentSettings(name=name, sender_id="TAX", callback_phone="048-555-0100")
    with pytest.raises(DepartmentError) as caught:
        create_department("TAX", settings, f.WORKDAY_MORNING)
    assert str(caught.value).startswith("name:")
    db.session.rollback()
    dept = f.department("WATER", name="水道課")
    with pytest.raises(DepartmentError):
        settings = DepartmentSettings(name=name, sender_id="WATER", callback_phone="048-555-0100")
        update_department(dept, settings, f.WORKDAY_MORNING, None)
    db.session.rollback()
    assert db.session.get(Department, dept.id).name == "水道課"


@pytest.mark.parametrize("name", ["税務課", "TAX Division", "水道局 料金課", "Dept. of Water"])
def test_plain_names_are_fine(app, name):
    dept = f.department("TAX", name=name)
    assert dept.name == name


@pytest.mark.parametrize("sender", ["BANKACCOUNT", "wwwexample", "IBAN"])
def test_a_sender_id_reading_as_a_bank_word_is_refused(app, sender):
    with pytest.raises(DepartmentError, match="sender ID"):
        f.department("TAX", sender_id=sender)


def test_the_settings_page_refuses_a_bad_name(client):
    dept = f.department("TAX", name="税務課")
    f.login(client, f.user("sup", "supervisor", dept))
    token = f.csrf_from(client.get("/departments/TAX/settings").get_data(as_text=True))
    response = client.post("/departments/TAX/settings", data={
        "name": "税務課 https://pay.example 口座 普通1234567", "sender_id": "TAX",
        "callback_phone": "048-555-0100", "calling_hours": "09:00-20:00", "sms_hours": "09:00-20:00",
        "rest_days": "sun,holidays", "max_calls_per_day": "3", "max_calls_per_week": "7",
        "csrf_token": token})
    assert response.status_code == 200 and "no web addresses" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Department.name)) == "税務課"
    assert "https://pay.example" not in client.get("/senders").get_data(as_text=True)


def test_the_cli_refuses_a_bad_name(runner, app):
    result = runner.invoke(args=["departments", "create", "TAX", "税務課 https://pay.example",
                                 "--sender-id", "TAX", "--callback-phone", "048-555-0100"])
    assert result.exit_code != 0 and "name:" in result.output
    assert db.session.scalar(select(Department.id)) is None


def test_senders_publishes_the_callback_hours_and_the_confidentiality_line(client):
    f.department("TAX", name="税務課", calling_hours="08:30-17:15")
    page = client.get("/senders").get_data(as_text=True)
    assert "08:30-17:15" in page and 'data-testid="confidentiality"' in page
