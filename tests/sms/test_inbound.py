"""Replies: opt-out keywords, suppression of waiting messages, duplicates; and the hand
opt-out on the case screen (CSRF, roles, department scoping)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.cases.models import Phone
from app.extensions import db
from app.sms.checks import suppression_reason
from app.sms.models import InboundSms, SmsMessage, SmsStatus
from app.sms.receipts import handle_inbound, opt_out_keyword
from tests import factories as f
from tests.sms.receipt_helpers import (
    MOBILE,
    NOW,
    audits,
    fresh,
    inbound,
    opted,
    queued_message,
    sent_message,
)


@pytest.mark.parametrize("text, keyword", [
    ("STOP", "STOP"), ("stop", "STOP"), ("Stop.", "STOP"), ("  stop!! ", "STOP"), ("ＳＴＯＰ", "STOP"),
    ("ｓｔｏｐ", "STOP"), ("STOP please", "STOP"), ("「STOP」", "STOP"), ("quit", "QUIT"), ("END", "END"),
    ("Cancel", "CANCEL"), ("unsubscribe", "UNSUBSCRIBE"), ("opt out", "OPT OUT"), ("OPT   OUT", "OPT OUT"),
    ("ＯＰＴ　ＯＵＴ", "OPT OUT"), ("opt out now", "OPT OUT"), ("REVOKE", "REVOKE"), ("停止", "停止"),
    ("停止。", "停止"), ("　停止　", "停止"), ("配信停止", "配信停止"), ("【配信停止】", "配信停止"),
    ("停止 お願いします", "停止"),
])
def test_opt_out_keywords(text, keyword):
    assert opt_out_keyword(text) == keyword


@pytest.mark.parametrize("text", [
    "", "   ", "I will pay on Friday", "stopping by the office tomorrow", "don't stop", "opt in",
    "お支払いします", "停止しないでください", "STOPS", "ENDING", "optout?",
])
def test_normal_replies_are_not_opt_outs(text):
    assert opt_out_keyword(text) is None


@pytest.fixture
def dept(app):
    return f.department("TAX")


@pytest.mark.parametrize("text", ["STOP", "停止", "ＳＴＯＰ"])
def test_an_inbound_stop_opts_out_and_suppresses_waiting_messages(dept, text):
    case = f.case(dept)
    # The same number is also on another taxpayer's case (a family member's tax).
    other = f.case(dept, phones=((MOBILE, "mobile", True),))
    sent = sent_message(case)
    waiting = queued_message(case)
    scheduled = queued_message(other)
    scheduled.status, scheduled.scheduled_for = SmsStatus.SCHEDULED, NOW + timedelta(hours=12)
    db.session.commit()

    row = handle_inbound(inbound(text), NOW)
    db.session.commit()
    assert row.opt_out and row.msisdn == MOBILE
    phones = db.session.scalars(select(Phone).where(Phone.e164 == MOBILE)).all()
    # The reply went to a sender no department has ("to" 819000000000): every department.
    assert len(phones) == 2 and all(opted(p.id, None) for p in phones)
    for message in (waiting, scheduled):
        message = fresh(SmsMessage, message.id)
        assert (message.status, message.reason) == (SmsStatus.SUPPRESSED, "opted_out")
    assert fresh(SmsMessage, sent.id).status == SmsStatus.SENT  # already gone: left alone
    assert audits("phone.opt_out") == 2 and audits("sms.suppress") == 2


def test_a_normal_reply_is_stored_and_opts_nothing_out(dept):
    case = f.case(dept)
    waiting = queued_message(case)
    row = handle_inbound(inbound("I will pay on Friday"), NOW)
    db.session.commit()
    assert not row.opt_out and row.text == "I will pay on Friday" and row.keyword == ""
    assert not opted(waiting.phone_id)
    assert fresh(SmsMessage, waiting.id).status == SmsStatus.QUEUED


def test_the_same_inbound_message_id_is_stored_once(dept):
    f.case(dept)
    assert handle_inbound(inbound("STOP", message_id="IN-7"), NOW) is not None
    db.session.commit()
    assert handle_inbound(inbound("STOP", message_id="IN-7"), NOW) is None
    db.session.commit()
    assert db.session.query(InboundSms).count() == 1
    assert audits("phone.opt_out") == 1 and audits("sms.inbound") == 1


def test_a_number_that_said_stop_stays_opted_out_on_a_phone_imported_later(dept):
    handle_inbound(inbound("STOP"), NOW)  # nobody has this number yet
    db.session.commit()
    case = f.case(dept)  # imported afterwards with the same mobile
    message = queued_message(case)
    assert not opted(case.taxpayer.phones[0].id)
    assert suppression_reason(message, NOW) == "opted_out"


# --- by hand, on the case screen ------------------------------------------------------------

def opt_out_url(case, phone) -> str:
    return f"/cases/{case.id}/phones/{phone.id}/opt-out"


def page_token(client, case) -> str:
    return f.csrf_from(client.get(f"/cases/{case.id}").get_data(as_text=True))


def test_an_operator_records_an_opt_out_by_hand(client, dept):
    case = f.case(dept)
    waiting = queued_message(case)
    phone_id = case.taxpayer.phones[0].id
    f.login(client, f.user("op", "operator", dept))
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'data-testid="opt-out-{phone_id}"' in page
    response = client.post(f"/cases/{case.id}/phones/{phone_id}/opt-out",
                           data={"csrf_token": f.csrf_from(page)})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{case.id}")
    assert opted(phone_id, dept.id) and not opted(phone_id, None)  # an operator: the department only
    assert fresh(SmsMessage, waiting.id).status == SmsStatus.SUPPRESSED
    assert audits("phone.opt_out") == 1
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'data-testid="opted-out-{phone_id}"' in page
    assert f'data-testid="opt-out-{phone_id}"' not in page  # no button for an opted-out phone
    # Again (a second tab): nothing more recorded.
    client.post(f"/cases/{case.id}/phones/{phone_id}/opt-out", data={"csrf_token": f.csrf_from(page)})
    assert audits("phone.opt_out") == 1


def test_the_hand_opt_out_needs_the_csrf_token(client, dept):
    case = f.case(dept)
    f.login(client, f.user("op", "operator", dept))
    phone = case.taxpayer.phones[0]
    assert client.post(opt_out_url(case, phone), data={}).status_code == 400
    assert client.post(opt_out_url(case, phone), data={"csrf_token": "forged"}).status_code == 400
    assert not opted(phone.id)


def test_a_manager_may_not_record_an_opt_out(client, dept):
    case = f.case(dept)
    f.login(client, f.user("boss", "manager"))
    phone = case.taxpayer.phones[0]
    assert f'data-testid="opt-out-{phone.id}"' not in client.get(f"/cases/{case.id}").get_data(as_text=True)
    response = client.post(opt_out_url(case, phone), data={"csrf_token": page_token(client, case)})
    assert response.status_code == 403
    assert not opted(phone.id)


def test_another_departments_case_or_a_foreign_phone_is_404(client, dept):
    water = f.department("WATER")
    theirs = f.case(water, phones=(("+819011112222", "mobile", True),))
    mine = f.case(dept, phones=(("+819033334444", "mobile", True),))
    f.login(client, f.user("op", "operator", dept))
    token = page_token(client, mine)
    their_phone = theirs.taxpayer.phones[0]
    assert client.post(opt_out_url(theirs, their_phone), data={"csrf_token": token}).status_code == 404
    # My case, but a phone that is not its taxpayer's.
    assert client.post(opt_out_url(mine, their_phone), data={"csrf_token": token}).status_code == 404
    missing = f"/cases/{mine.id}/phones/999999/opt-out"
    assert client.post(missing, data={"csrf_token": token}).status_code == 404
    assert not opted(their_phone.id)


def test_a_supervisor_and_an_admin_may_record_it(client, dept):
    case = f.case(dept, phones=(("+819055556666", "mobile", True), ("+819077778888", "mobile", True)))
    first, second = case.taxpayer.phones
    f.login(client, f.user("sup", "supervisor", dept))
    response = client.post(opt_out_url(case, first), data={"csrf_token": page_token(client, case)})
    assert response.status_code == 302
    client.post("/logout", data={"csrf_token": page_token(client, case)})
    f.login(client, f.user("root", "admin"))
    response = client.post(opt_out_url(case, second), data={"csrf_token": page_token(client, case)})
    assert response.status_code == 302
    assert opted(first.id) and opted(second.id)
