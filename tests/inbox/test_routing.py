"""A reply lands in the inbox of the department whose sender ID received it, and on that
department's cases only: the TAX reply never shows on the WATER case of the same person."""

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cases.timeline import timeline
from app.extensions import db
from app.inbox.classify import classify
from app.sms.models import InboundSms, SmsStatus
from app.sms.outbox import queue_sms
from tests import factories as f
from tests.inbox.helpers import MOBILE, NOW, reply, two_departments
from tests.sms.receipt_helpers import SECRET, sign


@pytest.fixture
def world(app):
    return two_departments()


def test_a_reply_to_tax_lands_in_the_tax_inbox_and_never_on_the_water_case(app, client, world):
    tax, water, tax_case, water_case = world
    row = reply("来週払います", to=tax.sender_id)
    assert row.department_id == tax.id and row.state == "new" and row.classification == "other"
    tax_entries = [e for e in timeline(tax_case) if e.kind == "sms_reply"]
    assert [e.details["text"] for e in tax_entries] == ["来週払います"]
    assert [e for e in timeline(water_case) if e.kind == "sms_reply"] == []

    # The pages: WATER's operator sees neither the text on the case nor the reply in the inbox.
    f.login(client, f.user("op_water", "operator", water))
    assert "来週払います" not in client.get(f"/cases/{water_case.id}").get_data(as_text=True)
    page = client.get("/sms/inbox").get_data(as_text=True)
    assert "来週払います" not in page and 'data-testid="no-replies"' in page
    assert client.get("/sms/inbox?department=TAX").status_code == 404
    assert client.get("/api/v1/inbox?department=TAX").status_code == 404
    assert client.get("/api/v1/inbox?department=WATER").get_json() == []
    client.post("/logout", data={"csrf_token": f.csrf_from(page)})
    f.login(client, f.user("op_tax", "operator", tax))
    assert "来週払います" in client.get(f"/cases/{tax_case.id}").get_data(as_text=True)
    page = client.get("/sms/inbox").get_data(as_text=True)
    assert f'data-testid="reply-{row.id}"' in page and tax_case.case_ref in page
    assert water_case.case_ref not in page  # the matching cases are the department's own


def test_only_its_own_department_s_cases_are_touched(world):
    tax, water, tax_case, water_case = world
    reply("払いました", to=water.sender_id)
    db.session.expire_all()
    assert water_case.payment_reminders_paused_until is not None
    assert tax_case.payment_reminders_paused_until is None and tax_case.next_action_at is None


def test_a_signed_webhook_reply_is_routed_by_its_to(app, client, world, monkeypatch):
    tax, water, tax_case, water_case = world
    app.config.update(VONAGE_SIGNATURE_SECRET=SECRET, VONAGE_API_KEY="abcd1234")
    monkeypatch.setattr("app.clock.utcnow", lambda: NOW)
    params = sign({"msisdn": MOBILE[1:], "to": water.sender_id, "messageId": "IN-SIGNED-1",
                   "text": "明日15時に電話ください", "type": "unicode"})
    response = client.post("/webhooks/vonage/inbound", data=params)
    assert response.status_code == 200 and response.get_json() == {"result": "stored"}
    row = db.session.scalar(select(InboundSms))
    assert (row.department_id, row.classification) == (water.id, "callback")


def test_an_unknown_to_goes_to_the_department_that_last_texted_the_number(world):
    tax, water, tax_case, water_case = world
    message = queue_sms(water_case, water_case.taxpayer.phones[0], "【上下水道課】048-555-0100",
                        idempotency_key="t:1", now=NOW)
    message.status, message.sent_at = SmsStatus.SENT, NOW
    db.session.commit()
    assert reply("hello", to="81300000000").department_id == water.id


def test_an_unknown_to_no_department_ever_texted_stays_unrouted_for_admins(client, world):
    tax, *_ = world
    row = reply("どちら様ですか", to="81300000000", msisdn="+819099998888")
    assert row.department_id is None
    admin = f.user("root", "admin")
    f.login(client, admin)
    page = client.get("/sms/inbox?department=unrouted").get_data(as_text=True)
    assert f'data-testid="reply-{row.id}"' in page
    listed = client.get("/api/v1/inbox?department=unrouted").get_json()
    assert [r["id"] for r in listed] == [row.id] and listed[0]["department"] is None
    client.post("/logout", data={"csrf_token": f.csrf_from(page)})
    f.login(client, f.user("op", "operator", tax))
    assert client.get("/sms/inbox?department=unrouted").status_code == 404
    assert client.get("/api/v1/inbox?department=unrouted").status_code == 404


def test_an_opt_out_is_not_an_inbox_reply(world):
    tax, *_ = world
    row = reply("STOP", to=tax.sender_id)
    assert row.opt_out and row.department_id is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "inbox.route")) is None


@pytest.mark.parametrize("text, expected", [
    ("払いました", "says_paid"), ("昨日支払った", "says_paid"), ("納付しました。", "says_paid"),
    ("コンビニで振り込みました", "says_paid"), ("I already paid", "says_paid"),
    ("電話ください", "callback"), ("折り返しお願いします", "callback"),
    ("明日１５時以降にお願いします", "callback"),
    ("3:30なら出られます", "callback"), ("Please call me", "callback"),
    ("違います", "wrong_person"), ("知らない番号です", "wrong_person"), ("人違いです", "wrong_person"),
    ("別人です。電話ください", "wrong_person"), ("wrong number", "wrong_person"),
    ("わかりました", "other"), ("", "other"), ("来週", "other"),
])
def test_keyword_classification(text, expected):
    assert classify(text) == expected


def test_the_sandbox_phone_replies_through_its_own_route_into_the_inbox(client, world):
    from app.sms.models import SmsPart

    tax, water, tax_case, water_case = world
    message = queue_sms(tax_case, tax_case.taxpayer.phones[0], "【税務課】048-555-0100", idempotency_key="sb",
                        now=NOW)
    message.parts.append(SmsPart(provider_message_id="sandbox-routing1", status=SmsStatus.SENT))
    message.status, message.sent_at = SmsStatus.SENT, NOW
    db.session.commit()
    f.login(client, f.user("op", "operator", tax))
    page = client.get("/sandbox/phone", query_string={"number": MOBILE}).get_data(as_text=True)
    assert client.post("/sandbox/phone/reply",
                       data={"number": MOBILE, "text": "払いました"}).status_code == 400
    response = client.post("/sandbox/phone/reply", data={"number": MOBILE, "text": "払いました",
                                                         "csrf_token": f.csrf_from(page)})
    assert response.status_code == 302
    row = db.session.scalar(select(InboundSms))
    assert (row.department_id, row.classification) == (tax.id, "says_paid")


def test_an_admin_files_an_unrouted_reply_in_a_department(client, world):
    tax, water, tax_case, water_case = world
    row = reply("払いました", to="81300000000", msisdn=MOBILE.replace("5678", "0000"))
    row.msisdn = MOBILE  # a number no department texted yet, then found on the TAX taxpayer
    db.session.commit()
    assert row.department_id is None
    f.login(client, f.user("root", "admin"))
    page = client.get("/sms/inbox?department=unrouted").get_data(as_text=True)
    assert 'data-testid="reply-route"' in page
    response = client.post(f"/sms/inbox/{row.id}",
                           data={"department": "TAX", "csrf_token": f.csrf_from(page)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(InboundSms, row.id).department_id == tax.id
    assert db.session.get(type(tax_case), tax_case.id).payment_reminders_paused_until is not None
    assert db.session.get(type(water_case), water_case.id).payment_reminders_paused_until is None
    # Once filed it stays: a second attempt changes nothing.
    client.post(f"/sms/inbox/{row.id}", data={"department": "WATER", "csrf_token": f.csrf_from(page)})
    db.session.expire_all()
    assert db.session.get(InboundSms, row.id).department_id == tax.id
