"""Disclosure (issue 10): a personal template goes only to a phone verified by an answered call
with the identity confirmed within VERIFIED_PHONE_DAYS, else the rule's generic fallback; the
send job decides again (verification expires); rendered texts are checked for links and bank
details (`unsafe_text`). Real PostgreSQL, Redis, RQ worker, the vonage SDK and the TLS fake."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.calls.services import CallError, log_call
from app.escalation.models import EscalationRule
from app.extensions import db
from app.sms.models import SmsMessage, SmsTemplate
from app.sms.templates import PERSONAL_PLACEHOLDERS, PLACEHOLDER_SPECS, disclosure_of
from tests import factories as f
from tests.escalation.helpers import at, default_rule
from tests.sms.conftest import work

PERSONAL_JA = ("【{department}】{name}様 {amount}円のお支払いが確認できておりません。"
               "{callback_phone}へ（{case_ref}）")
DAYS = 180  # VERIFIED_PHONE_DAYS's default


@pytest.fixture
def dept(app):
    return f.department("TAX", name="税務課")


def personal_rule(dept, fallback=True) -> EscalationRule:
    """The default rule made to send a personal template, with the default (generic) template
    as its fallback."""
    rule = default_rule(dept)
    template = SmsTemplate(department_id=dept.id, name="personal", body_ja=PERSONAL_JA, body_en="",
                           active=True, created_at=at(), updated_at=at())
    db.session.add(template)
    db.session.flush()
    generic_id = rule.template_id
    rule.template_id = template.id
    rule.fallback_template_id = generic_id if fallback else None
    db.session.commit()
    return rule


def log(case, outcome, when, identity=False):
    attempt = log_call(case, case.taxpayer.phones[0], outcome, "outbound", None, None, when,
                       identity_verified=identity)
    db.session.commit()
    return attempt


def two_unanswered(case, start):
    log(case, "no_answer", start)
    log(case, "no_answer", start + timedelta(hours=3))


def the_message() -> SmsMessage:
    db.session.expire_all()
    return db.session.scalars(select(SmsMessage)).one()


def test_placeholders_declare_whether_they_are_personal():
    assert PERSONAL_PLACEHOLDERS == {"name", "amount", "due_date"}
    assert {p.name for p in PLACEHOLDER_SPECS if not p.personal} == {
        "department", "callback_phone", "callback_hours", "case_ref"}
    assert disclosure_of("【{department}】{callback_phone} {case_ref}") == "generic"
    assert disclosure_of("【{department}】{callback_phone}", "【{department}】{due_date}") == "personal"


def test_a_personal_template_goes_to_a_phone_not_verified_as_its_generic_fallback(dept):
    rule = personal_rule(dept)
    case = f.case(dept, balance=123456)
    log(case, "answered", at(-24))  # answered, but the identity was not confirmed
    two_unanswered(case, at())
    message = the_message()
    assert message.disclosure == "generic" and message.template_id == rule.fallback_template_id
    assert case.taxpayer.name not in message.text and "123,456" not in message.text
    assert message.text.startswith("【税務課】ご連絡したいことがございます。")


def test_a_verified_phone_gets_the_personal_text_and_the_api_says_so(dept, client):
    rule = personal_rule(dept)
    case = f.case(dept, balance=123456)
    log(case, "answered", at(-24 * 10), identity=True)
    two_unanswered(case, at())
    message = the_message()
    assert message.disclosure == "personal" and message.template_id == rule.template_id
    assert message.text == (f"【税務課】{case.taxpayer.name}様 123,456円のお支払いが確認できておりません。"
                            f"048-555-0100へ（{case.case_ref}）")
    assert message.fallback_template_id == rule.fallback_template_id  # for the send-time check
    op = f.user("op", "operator", dept)
    f.login(client, op)
    body = client.get(f"/api/v1/cases/{case.id}").get_json()
    assert [m["disclosure"] for m in body["sms"]] == ["personal"]
    # Verified until the call + 180 days.
    assert body["phones"][0]["verified_until"] == (at(-24 * 10) + timedelta(days=DAYS)).isoformat()


@pytest.mark.parametrize("days_ago, disclosure", [(DAYS - 1, "personal"), (DAYS + 1, "generic")])
def test_verification_expires_after_verified_phone_days(dept, days_ago, disclosure):
    personal_rule(dept)
    case = f.case(dept)
    log(case, "answered", at(days=-days_ago), identity=True)
    two_unanswered(case, at())
    assert the_message().disclosure == disclosure


def test_verified_phone_days_is_a_setting(dept, app):
    app.config["VERIFIED_PHONE_DAYS"] = 5
    personal_rule(dept)
    case = f.case(dept)
    log(case, "answered", at(days=-6), identity=True)
    two_unanswered(case, at())
    assert the_message().disclosure == "generic"


def test_the_send_job_sends_the_fallback_when_verification_expired_meanwhile(
        app, dept, fake_vonage, clock, monkeypatch):
    rule = personal_rule(dept)
    fallback_id = rule.fallback_template_id
    case = f.case(dept)
    name = case.taxpayer.name
    log(case, "answered", at(days=-(DAYS - 1)), identity=True)  # still verified for one day
    two_unanswered(case, at())
    message = the_message()
    assert message.disclosure == "personal"
    clock.advance(days=2)  # the job runs two days later (a long outage): verification expired
    work(monkeypatch)
    [request] = fake_vonage.requests
    sent = the_message()
    assert sent.status == "sent" and sent.disclosure == "generic"
    assert sent.template_id == fallback_id
    assert request.params["text"] == sent.text and name not in request.params["text"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sms.generic_fallback"))
    assert event.object_id == sent.id and event.details["reason"] == "phone_not_verified"


def test_without_a_fallback_a_phone_not_verified_gets_nothing(dept):
    personal_rule(dept, fallback=False)
    case = f.case(dept)
    two_unanswered(case, at())
    assert db.session.scalars(select(SmsMessage)).all() == []
    skip = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "escalation.skip"))
    assert skip.details["reason"] == "no_generic_fallback"


def test_the_identity_is_confirmed_only_on_an_answered_call(dept):
    case = f.case(dept)
    with pytest.raises(CallError) as caught:
        log(case, "no_answer", at(), identity=True)
    assert caught.value.fields == {"identity_verified": "only with outcome answered"}
    db.session.rollback()
    assert log(case, "answered", at(), identity=True).identity_verified is True


def test_identity_verified_through_the_api(dept, client):
    case = f.case(dept)
    f.login(client, f.user("op", "operator", dept))
    token = f.csrf_from(client.get(f"/cases/{case.id}").get_data(as_text=True))
    url, phone_id = f"/api/v1/cases/{case.id}/calls", case.taxpayer.phones[0].id
    headers = {"X-CSRFToken": token}
    bad = client.post(url, json={"phone_id": phone_id, "outcome": "busy", "identity_verified": True},
                      headers=headers)
    assert bad.status_code == 422 and "identity_verified" in bad.get_json()["fields"]
    wrong_type = client.post(url, json={"phone_id": phone_id, "outcome": "answered",
                                        "identity_verified": "yes"}, headers=headers)
    assert wrong_type.status_code == 422
    good = client.post(url, json={"phone_id": phone_id, "outcome": "answered", "identity_verified": True},
                       headers=headers)
    assert good.status_code == 201 and good.get_json()["identity_verified"] is True


def test_identity_verified_through_the_case_screen_checkbox(dept, client):
    case = f.case(dept)
    f.login(client, f.user("op", "operator", dept))
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    phone_id = case.taxpayer.phones[0].id
    assert f'data-testid="identity-{phone_id}"' in page and "本人確認済み" in page
    response = client.post(f"/cases/{case.id}/calls", data={
        "csrf_token": f.csrf_from(page), "phone_id": phone_id, "outcome": "answered",
        "direction": "outbound", "identity_verified": "y", "submission_key": "k1"})
    assert response.status_code == 302
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'data-testid="verified-{phone_id}"' in page
    # The checkbox with another outcome button is ignored (the call is logged, unverified).
    client.post(f"/cases/{case.id}/calls", data={
        "csrf_token": f.csrf_from(page), "phone_id": phone_id, "outcome": "busy",
        "direction": "outbound", "identity_verified": "y", "submission_key": "k2"})
    calls = client.get(f"/api/v1/cases/{case.id}").get_json()["calls"]
    assert [(c["outcome"], c["identity_verified"]) for c in calls] == [("busy", False), ("answered", True)]


# --- the rendered text ----------------------------------------------------------------------

@pytest.mark.parametrize("where, value", [
    ("name", "山田 https://evil.example/pay"),
    ("name", "山田 口座 普通1234567"),
    ("name", "山田 9876543210"),  # a long number brought in by a name
    ("case_ref", "R1 www.example"),
    ("case_ref", "R1 口座1234567"),
    ("department", "税務課 bit.ly/x"),
])
def test_a_value_bringing_a_link_or_bank_details_suppresses_the_message(
        app, dept, fake_vonage, clock, monkeypatch, where, value):
    personal_rule(dept)
    case = f.case(dept)
    log(case, "answered", at(-24), identity=True)  # verified: the personal text (with the name) goes
    if where == "name":
        case.taxpayer.name = value
    elif where == "case_ref":
        case.case_ref = value
    else:  # a department renamed before names were checked (the check refuses it now)
        dept.name = value
    db.session.commit()
    two_unanswered(case, at())
    work(monkeypatch)
    message = the_message()
    assert (message.status, message.reason) == ("suppressed", "unsafe_text")
    assert fake_vonage.requests == []


def test_a_long_reference_and_an_amount_are_not_bank_details(app, dept, fake_vonage, clock, monkeypatch):
    personal_rule(dept)
    case = f.case(dept, balance=12_345_678)
    case.case_ref = "R2026-00012345"
    db.session.commit()
    log(case, "answered", at(-24), identity=True)
    two_unanswered(case, at())
    work(monkeypatch)
    assert the_message().status == "sent"


# --- the editors ------------------------------------------------------------------------------

def test_the_template_editor_says_personal_and_shows_the_fallback_sent_instead(dept, client):
    rule = personal_rule(dept)
    f.login(client, f.user("sup", "supervisor", dept))
    page = client.get(f"/sms/templates/{rule.template_id}").get_data(as_text=True)
    assert 'data-testid="personal-notice"' in page and f'data-testid="fallback-{rule.id}"' in page
    assert "ご連絡したいことがございます。048-555-0100" in page  # the fallback's text, rendered
    generic = client.get(f"/sms/templates/{rule.fallback_template_id}").get_data(as_text=True)
    assert 'data-testid="generic-notice"' in generic and 'data-testid="edited-default"' not in generic


def test_an_edited_default_is_flagged_in_the_editor(dept, client):
    template = db.session.get(SmsTemplate, default_rule(dept).template_id)
    template.body_ja = "【{department}】お支払いのお願いです。{callback_phone}へ"  # edited before the upgrade
    db.session.commit()
    f.login(client, f.user("sup", "supervisor", dept))
    page = client.get(f"/sms/templates/{template.id}").get_data(as_text=True)
    assert 'data-testid="edited-default"' in page


def test_the_rule_editor_asks_for_a_generic_fallback_for_a_personal_template(dept, client):
    rule = personal_rule(dept)
    sup = f.user("sup", "supervisor", dept)
    f.login(client, sup)
    page = client.get(f"/escalation/rules/{rule.id}").get_data(as_text=True)
    data = {"csrf_token": f.csrf_from(page), "name": rule.name, "trigger": "unanswered_calls", "count": "2",
            "window_days": "14", "phone_scope": "mobile", "action": "send_sms",
            "template_id": str(rule.template_id), "fallback_template_id": "", "language": "ja",
            "priority_boost": "0", "delay_minutes": "0", "active": "y"}
    response = client.post(f"/escalation/rules/{rule.id}", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "本人確認のない番号に代わりに送る汎用テンプレートを選んでください" in page
    db.session.expire_all()
    assert db.session.get(EscalationRule, rule.id).fallback_template_id is not None  # unchanged
    response = client.post(f"/escalation/rules/{rule.id}", data={**data, "fallback_template_id": str(
        default_rule(dept).fallback_template_id)})
    assert response.status_code == 302
