"""What each classification does to the department's cases, its correction, and the
auto-acknowledgement."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.calls.claims import claim_next
from app.cases.models import Case, Phone
from app.extensions import db
from app.inbox import services
from app.sms.checks import best_mobile, suppression_reason
from app.sms.models import InboundSms, SmsMessage, SmsTemplate
from app.sms.outbox import queue_sms
from tests import factories as f
from tests.escalation.helpers import call
from tests.inbox.helpers import NOW, days, reply, two_departments


@pytest.fixture
def world(app):
    return two_departments()


def fresh(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def reminder(case, key="t:1", now=NOW):
    message = queue_sms(case, case.taxpayer.phones[0], "【税務課】048-555-0100へお電話ください。",
                        idempotency_key=key, now=now)
    db.session.commit()
    return message


def test_any_reply_makes_the_case_due_now(world):
    tax, water, tax_case, _ = world
    tax_case.next_action_at = NOW + days(3)
    db.session.commit()
    later = NOW + timedelta(hours=1)
    reply("わかりました", to=tax.sender_id, now=later)
    assert fresh(Case, tax_case.id).next_action_at == later


def test_says_paid_pauses_the_payment_reminders_for_payment_lag_days(app, world):
    tax, water, tax_case, water_case = world
    waiting = reminder(tax_case)
    reply("昨日コンビニで払いました", to=tax.sender_id)
    case = fresh(Case, tax_case.id)
    assert case.payment_reminders_paused_until == NOW + days(14)  # PAYMENT_LAG_DAYS default
    message = fresh(SmsMessage, waiting.id)
    assert suppression_reason(message, NOW + days(1)) == "recent_payment"
    assert suppression_reason(message, NOW + days(14, ) + timedelta(seconds=1)) is None  # the pause ends
    # WATER's case of the same person is not paused.
    water_message = reminder(water_case, key="t:water")
    assert suppression_reason(fresh(SmsMessage, water_message.id), NOW + days(1)) is None
    app.config["PAYMENT_LAG_DAYS"] = 3
    reply("納付しました", to=tax.sender_id, now=NOW + days(20))
    assert fresh(Case, tax_case.id).payment_reminders_paused_until == NOW + days(23)


def test_callback_puts_the_case_at_the_head_of_the_queue(world):
    tax, water, tax_case, _ = world
    urgent = f.case(tax, phones=(("+819077776666", "mobile", True),), priority=100)
    operator = f.user("op", "operator", tax)
    reply("明日15時以降に電話ください", to=tax.sender_id)
    assert fresh(Case, tax_case.id).callback_requested_at == NOW
    claimed = claim_next(operator, NOW + timedelta(minutes=1), 15)
    db.session.commit()
    assert claimed.id == tax_case.id  # before the priority-100 case
    call(claimed, "answered", when=NOW + timedelta(minutes=2), actor=operator)
    assert fresh(Case, tax_case.id).callback_requested_at is None  # the call answered it
    assert claim_next(operator, NOW + timedelta(minutes=3), 15).id == urgent.id


def test_wrong_person_stops_sms_to_the_number_for_that_taxpayer_and_flags_the_case(client, world):
    tax, water, tax_case, water_case = world
    waiting = reminder(tax_case)
    reply("人違いです", to=tax.sender_id)
    case = fresh(Case, tax_case.id)
    phone = case.taxpayer.phones[0]
    assert case.flag == "wrong_person" and phone.wrong_person_at == NOW
    assert best_mobile(case) is None  # no rule texts it any more
    assert suppression_reason(fresh(SmsMessage, waiting.id), NOW) == "wrong_person"

    operator, supervisor = f.user("op", "operator", tax), f.user("sup", "supervisor", tax)
    url = f"/cases/{tax_case.id}/phones/{phone.id}/restore-sms"
    f.login(client, operator)
    page = client.get(f"/cases/{tax_case.id}").get_data(as_text=True)
    assert 'data-testid="case-flag"' in page and f'data-testid="wrong-person-{phone.id}"' in page
    assert f'data-testid="restore-sms-{phone.id}"' not in page
    assert client.post(url, data={"csrf_token": f.csrf_from(page)}).status_code == 403
    client.post("/logout", data={"csrf_token": f.csrf_from(page)})
    f.login(client, supervisor)
    page = client.get(f"/cases/{tax_case.id}").get_data(as_text=True)
    assert client.post(url, data={}).status_code == 400  # CSRF
    assert client.post(url, data={"csrf_token": f.csrf_from(page)}).status_code == 302
    case = fresh(Case, tax_case.id)
    assert case.taxpayer.phones[0].wrong_person_at is None and case.flag is None
    assert suppression_reason(fresh(SmsMessage, waiting.id), NOW) is None


def test_a_correction_takes_back_the_old_class_and_applies_the_new(world):
    tax, water, tax_case, _ = world
    operator = f.user("op", "operator", tax)
    row = reply("払いました", to=tax.sender_id)
    services.update_reply(row, operator, NOW, classification="callback")
    db.session.commit()
    case = fresh(Case, tax_case.id)
    assert case.payment_reminders_paused_until is None and case.callback_requested_at == NOW
    row = fresh(InboundSms, row.id)
    services.update_reply(row, operator, NOW, classification="wrong_person")
    db.session.commit()
    case = fresh(Case, tax_case.id)
    assert case.callback_requested_at is None and case.taxpayer.phones[0].wrong_person_at == NOW
    # An operator's correction away from "wrong person" leaves the number blocked: a supervisor's lifts it.
    services.update_reply(fresh(InboundSms, row.id), operator, NOW, classification="other")
    db.session.commit()
    assert fresh(Phone, tax_case.taxpayer.phones[0].id).wrong_person_at == NOW
    services.update_reply(fresh(InboundSms, row.id), operator, NOW, classification="wrong_person")
    services.update_reply(fresh(InboundSms, row.id), f.user("sup", "supervisor", tax), NOW,
                          classification="other")
    db.session.commit()
    assert fresh(Phone, tax_case.taxpayer.phones[0].id).wrong_person_at is None


def test_state_changes_record_who_handled_the_reply(world):
    tax, *_ = world
    operator = f.user("op", "operator", tax)
    row = reply("わかりました", to=tax.sender_id)
    services.update_reply(row, operator, NOW + timedelta(minutes=5), state="done")
    db.session.commit()
    row = fresh(InboundSms, row.id)
    assert (row.state, row.handled_by_id, row.handled_at) == ("done", operator.id, NOW + timedelta(minutes=5))
    services.update_reply(row, operator, NOW, state="new")
    assert (row.state, row.handled_by_id, row.handled_at) == ("new", None, None)
    with pytest.raises(services.InboxError) as error:
        services.update_reply(row, operator, NOW, state="archived")
    assert "state" in error.value.fields


def test_the_auto_acknowledgement_goes_at_most_once_per_number_per_day(world):
    tax, water, tax_case, _ = world
    template = SmsTemplate(department_id=tax.id, name="ack",
                           body_ja="【{department}】ご返信ありがとうございます。"
                                   "{callback_phone}",
                           body_en="", created_at=NOW, updated_at=NOW)
    db.session.add(template)
    db.session.flush()
    services.set_auto_ack(tax, template, None, NOW)
    db.session.commit()
    reply("わかりました", to=tax.sender_id)
    reply("よろしくお願いします", to=tax.sender_id, now=NOW + timedelta(hours=2))
    acks = db.session.scalars(select(SmsMessage).where(SmsMessage.template_id == template.id)).all()
    assert len(acks) == 1 and acks[0].case_id == tax_case.id and acks[0].status == "queued"
    assert acks[0].text == "【税務課】ご返信ありがとうございます。048-555-0100" and acks[0].daily_cap_exempt
    reply("もう一度", to=tax.sender_id, now=NOW + days(1))
    assert db.session.query(SmsMessage).filter_by(template_id=template.id).count() == 2
    reply("違います", to=tax.sender_id, now=NOW + days(2))  # never to a "wrong person"
    assert db.session.query(SmsMessage).filter_by(template_id=template.id).count() == 2
    reply("hello", to=water.sender_id)  # WATER has no acknowledgement
    assert db.session.query(SmsMessage).filter(SmsMessage.department_id == water.id).count() == 0
