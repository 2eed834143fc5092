"""Consent and opt-outs per phone and department (issue 10): imports touch only their own
department's consent, operators record consent (screen and API, audited, on the timeline), a
STOP opts out of the department whose sender ID it was sent to, supervisors go city-wide and
lift an opt-out the citizen withdrew."""

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cases import importing
from app.cases.consent import consent_of, row_of
from app.cases.jobs import run_import
from app.cases.models import Case, Phone
from app.clock import utcnow
from app.extensions import db
from app.sms.checks import best_mobile, suppression_reason
from app.sms.models import SmsMessage, SmsStatus
from app.sms.receipts import handle_inbound
from tests import factories as f
from tests.cases.import_files import csv_bytes, row
from tests.escalation.helpers import at, call, messages
from tests.sms.receipt_helpers import NOW, inbound, queued_message

MOBILE = "+819012345678"


@pytest.fixture
def depts(app):
    return f.department("TAX", name="税務課", sender_id="MisatoTax"), f.department(
        "WATER", name="水道課", sender_id="MisatoWater")


def run(content: bytes):
    job = importing.create_import(None, "cases.csv", content, utcnow())
    db.session.commit()
    run_import(job.id)
    db.session.expire_all()
    return db.session.get(type(job), job.id)


def the_phone() -> Phone:
    db.session.expire_all()
    return db.session.scalars(select(Phone).where(Phone.e164 == MOBILE)).one()


def consent(department) -> bool:
    row = row_of(the_phone().id, department.id)
    return bool(row and row.consent)


def test_a_water_import_with_consent_no_leaves_tax_consent(depts):
    tax, water = depts
    assert run(csv_bytes(row(case_ref="TAX-1", consent="2024-04-01", department="TAX"))).errors == []
    assert consent(tax) is True
    job = run(csv_bytes(row(case_ref="WATER-1", consent="no", department="WATER", tax_type="水道料金")))
    assert (job.status, job.errors) == ("done", [])
    assert consent(tax) is True and consent(water) is False
    assert row_of(the_phone().id, tax.id).consent_on.isoformat() == "2024-04-01"
    # The TAX case still texts the number; the WATER case does not.
    tax_case = db.session.scalar(select(Case).where(Case.case_ref == "TAX-1"))
    water_case = db.session.scalar(select(Case).where(Case.case_ref == "WATER-1"))
    assert best_mobile(tax_case) is not None and best_mobile(water_case) is None
    # And the other way round: WATER says yes, then TAX says no.
    run(csv_bytes(row(case_ref="WATER-1", consent="yes", department="WATER", tax_type="水道料金")))
    run(csv_bytes(row(case_ref="TAX-1", consent="no", department="TAX")))
    assert consent(tax) is False and consent(water) is True
    source = row_of(the_phone().id, water.id).consent_source
    assert source == "import"


def test_reimporting_the_same_consent_writes_nothing(depts):
    run(csv_bytes(row(case_ref="TAX-1", consent="yes", department="TAX")))
    before = row_of(the_phone().id, depts[0].id).consent_recorded_at
    run(csv_bytes(row(case_ref="TAX-1", consent="yes", department="TAX")))
    assert row_of(the_phone().id, depts[0].id).consent_recorded_at == before


# --- recorded by hand: the API and the case screen ------------------------------------------

def api_consent(client, case, phone, body, headers):
    return client.post(f"/api/v1/cases/{case.id}/phones/{phone.id}/consent", json=body, headers=headers)


def session_headers(client, case) -> dict:
    return {"X-CSRFToken": f.csrf_from(client.get(f"/cases/{case.id}").get_data(as_text=True))}


def test_consent_through_the_api_is_the_departments_and_audited(client, depts):
    tax, water = depts
    tax_case = f.case(tax, phones=((MOBILE, "mobile", False),))
    water_case = f.case(water, phones=())
    water_case.taxpayer_id = tax_case.taxpayer_id  # the same person owes WATER too (名寄せ)
    db.session.commit()
    phone = tax_case.taxpayer.phones[0]
    op = f.user("op", "operator", tax)
    f.login(client, op)
    headers = session_headers(client, tax_case)
    response = api_consent(client, tax_case, phone, {"consent": True, "source": "call"}, headers)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["consent"], body["consent_source"], body["consent_recorded_by"]) == (True, "call", "op")
    assert body["consent_on"] == utcnow().date().isoformat()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "phone.consent"))
    assert event.actor_id == op.id and event.object_id == phone.id
    assert (event.details["department_id"], event.details["consent"]) == (tax.id, True)
    assert MOBILE not in str(event.details)
    case_body = client.get(f"/api/v1/cases/{tax_case.id}").get_json()
    assert case_body["phones"][0]["consent"] is True
    assert consent_of(db.session.get(Phone, phone.id), water.id)["consent"] is False  # WATER untouched

    for bad, field in (({"consent": "yes", "source": "call"}, "consent"), ({"consent": True}, "source"),
                       ({"consent": True, "source": "telepathy"}, "source")):
        response = api_consent(client, tax_case, phone, bad, headers)
        assert response.status_code == 422 and field in response.get_json()["fields"]
    # Another department's case: not found for a TAX operator.
    response = api_consent(client, water_case, phone, {"consent": True, "source": "call"}, headers)
    assert response.status_code == 404


def test_a_manager_may_not_record_consent(client, depts):
    tax, _ = depts
    case = f.case(tax)
    f.login(client, f.user("boss", "manager"))
    response = api_consent(client, case, case.taxpayer.phones[0], {"consent": False, "source": "call"},
                           session_headers(client, case))
    assert response.status_code == 403


def test_consent_on_the_case_screen_and_its_timeline(client, depts):
    tax, water = depts
    case = f.case(tax, phones=((MOBILE, "mobile", False),))
    other = f.case(water, phones=())
    other.taxpayer_id = case.taxpayer_id
    db.session.commit()
    phone_id = case.taxpayer.phones[0].id
    f.login(client, f.user("op", "operator", tax))
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'data-testid="no-consent-{phone_id}"' in page
    response = client.post(f"/cases/{case.id}/phones/{phone_id}/consent",
                           data={"csrf_token": f.csrf_from(page), "consent": "yes", "source": "counter"})
    assert response.status_code == 302
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'data-testid="consent-{phone_id}"' in page and 'data-testid="consent-entry"' in page
    assert consent_of(db.session.get(Phone, phone_id), tax.id)["source"] == "counter"
    # A bad form changes nothing.
    client.post(f"/cases/{case.id}/phones/{phone_id}/consent",
                data={"csrf_token": f.csrf_from(page), "consent": "maybe", "source": "counter"})
    assert consent_of(db.session.get(Phone, phone_id), tax.id)["consent"] is True
    # WATER's operator sees WATER's consent (none) and not TAX's entry on the timeline.
    client.post("/logout", data={"csrf_token": f.csrf_from(page)})
    f.login(client, f.user("wop", "operator", water))
    page = client.get(f"/cases/{other.id}").get_data(as_text=True)
    assert f'data-testid="no-consent-{phone_id}"' in page and 'data-testid="consent-entry"' not in page


# --- opt-out scope ------------------------------------------------------------------------------

def two_cases(depts):
    tax, water = depts
    tax_case = f.case(tax, phones=((MOBILE, "mobile", True),))
    water_case = f.case(water, phones=())
    water_case.taxpayer_id = tax_case.taxpayer_id
    phone = tax_case.taxpayer.phones[0]
    f.set_consent(phone, water.id)
    db.session.commit()
    return tax_case, water_case, phone


def test_a_stop_to_a_departments_sender_opts_out_of_that_department_only(depts):
    tax, water = depts
    tax_case, water_case, phone = two_cases(depts)
    tax_waiting, water_waiting = queued_message(tax_case), queued_message(water_case)
    handle_inbound({**inbound("STOP"), "to": "MisatoTax"}, NOW)
    db.session.commit()
    db.session.expire_all()
    phone = db.session.get(Phone, phone.id)
    assert consent_of(phone, tax.id)["opted_out"] and not consent_of(phone, water.id)["opted_out"]
    assert db.session.get(SmsMessage, tax_waiting.id).status == SmsStatus.SUPPRESSED
    assert db.session.get(SmsMessage, water_waiting.id).status == SmsStatus.QUEUED
    assert suppression_reason(db.session.get(SmsMessage, water_waiting.id), NOW) is None
    # A phone imported later with the same number keeps the TAX opt-out (on the STOP reply).
    later = f.case(tax, phones=((MOBILE, "mobile", True),))
    assert suppression_reason(queued_message(later), NOW) == "opted_out"


def test_a_stop_to_an_unknown_sender_opts_out_of_every_department(depts):
    tax, water = depts
    tax_case, water_case, phone = two_cases(depts)
    water_waiting = queued_message(water_case)
    handle_inbound({**inbound("STOP"), "to": "81312345678"}, NOW)
    db.session.commit()
    db.session.expire_all()
    phone = db.session.get(Phone, phone.id)
    assert consent_of(phone, tax.id)["opted_out_city_wide"] and consent_of(phone, water.id)["opted_out"]
    assert db.session.get(SmsMessage, water_waiting.id).status == SmsStatus.SUPPRESSED


def opt_out_url(case, phone, lift=False) -> str:
    return f"/cases/{case.id}/phones/{phone.id}/opt-out" + ("/lift" if lift else "")


def test_an_operator_opts_out_for_the_department_and_may_not_go_city_wide(client, depts):
    tax, water = depts
    tax_case, water_case, phone = two_cases(depts)
    f.login(client, f.user("op", "operator", tax))
    token = f.csrf_from(client.get(f"/cases/{tax_case.id}").get_data(as_text=True))
    city = client.post(opt_out_url(tax_case, phone), data={"csrf_token": token, "scope": "city"})
    assert city.status_code == 403
    assert client.post(opt_out_url(tax_case, phone), data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    phone = db.session.get(Phone, phone.id)
    assert consent_of(phone, tax.id)["opted_out"] and not consent_of(phone, water.id)["opted_out"]
    # An operator may not lift it.
    assert client.post(opt_out_url(tax_case, phone, lift=True),
                       data={"csrf_token": token, "reason": "asked"}).status_code == 403


def test_a_supervisor_opts_out_city_wide_and_lifts_it_with_a_reason(client, depts):
    tax, water = depts
    tax_case, water_case, phone = two_cases(depts)
    sup = f.user("sup", "supervisor", tax)
    f.login(client, sup)
    token = f.csrf_from(client.get(f"/cases/{tax_case.id}").get_data(as_text=True))
    client.post(opt_out_url(tax_case, phone), data={"csrf_token": token, "scope": "city"})
    db.session.expire_all()
    assert consent_of(db.session.get(Phone, phone.id), water.id)["opted_out"]
    page = client.get(f"/cases/{tax_case.id}").get_data(as_text=True)
    assert f'data-testid="lift-opt-out-{phone.id}"' in page
    # Without a reason: refused, still opted out.
    client.post(opt_out_url(tax_case, phone, lift=True),
                data={"csrf_token": token, "scope": "city", "reason": " "})
    db.session.expire_all()
    assert consent_of(db.session.get(Phone, phone.id), water.id)["opted_out"]
    response = client.post(opt_out_url(tax_case, phone, lift=True),
                           data={"csrf_token": token, "scope": "city", "reason": "本人から電話で再開の依頼"})
    assert response.status_code == 302
    db.session.expire_all()
    phone = db.session.get(Phone, phone.id)
    assert not consent_of(phone, tax.id)["opted_out"] and not consent_of(phone, water.id)["opted_out"]
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "phone.opt_out_lift")).all()
    assert event.actor_id == sup.id and event.details["reason"] == "本人から電話で再開の依頼"
    assert event.details["department_id"] is None


def test_lifting_a_stop_reply_lets_messages_go_again(client, depts):
    tax, _ = depts
    tax_case, _, phone = two_cases(depts)
    handle_inbound({**inbound("STOP"), "to": "MisatoTax"}, NOW)
    db.session.commit()
    f.login(client, f.user("sup", "supervisor", tax))
    token = f.csrf_from(client.get(f"/cases/{tax_case.id}").get_data(as_text=True))
    client.post(opt_out_url(tax_case, phone, lift=True), data={"csrf_token": token, "reason": "withdrew"})
    message = queued_message(tax_case)
    assert suppression_reason(message, utcnow()) is None


def test_the_default_rule_reads_the_departments_consent(depts):
    tax, water = depts
    case = f.case(water, phones=((MOBILE, "mobile", False),))
    f.set_consent(case.taxpayer.phones[0], tax.id)  # TAX's consent does not let WATER text
    call(case, "no_answer", at(0))
    call(case, "no_answer", at(3))
    assert messages(case) == []
