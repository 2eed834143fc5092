"""The SMS template screens: the preview endpoint, validation, roles, scoping, CSRF, audit."""

import pytest
from sqlalchemy import select

from app import clock
from app.escalation.models import EscalationRule
from app.extensions import db
from app.sms.models import SmsTemplate
from tests import factories as f
from tests.escalation.helpers import audits, default_rule, signed_in, token_of

GOOD_JA = "【{department}】{name}様 {amount}円が未納です。{callback_phone}へ"
GENERIC_JA = "【{department}】ご連絡ください。{callback_phone}へ"


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setattr(clock, "utcnow", lambda: f.WORKDAY_MORNING)
    tax, water = f.department("TAX", name="税務課"), f.department("WATER", name="上下水道課")
    users = {"sup": f.user("sup", "supervisor", tax), "op": f.user("op", "operator", tax),
             "mgr": f.user("mgr", "manager"), "admin": f.user("admin", "admin")}
    return tax, water, users


def templates_of(dept):
    db.session.expire_all()
    return list(db.session.scalars(select(SmsTemplate).where(SmsTemplate.department_id == dept.id)
                                   .order_by(SmsTemplate.id)))


def reminder(dept) -> SmsTemplate:
    """The template of the department's default unanswered-calls rule."""
    return db.session.get(SmsTemplate, default_rule(dept).template_id)


def test_create_a_template_and_the_audit_row(app, world):
    tax, water, users = world
    sup = signed_in(app, users["sup"])
    token = token_of(sup, "/sms/templates/new")
    response = sup.post("/sms/templates/new", data={"csrf_token": token, "name": "second notice",
                                                    "body_ja": GOOD_JA, "body_en": "", "active": "y"})
    assert response.status_code == 302
    new = templates_of(tax)[-1]
    assert (new.name, new.body_ja, new.body_en, new.active) == ("second notice", GOOD_JA, "", True)
    event = audits("sms_template.create")[-1]
    assert event.object_id == new.id and event.actor_id == users["sup"].id
    assert "second notice" in sup.get("/sms/templates").get_data(as_text=True)


def test_the_editor_shows_the_counts_without_javascript(app, world):
    tax, water, users = world
    sup = signed_in(app, users["sup"])
    template = reminder(tax)
    html = sup.get(f"/sms/templates/{template.id}").get_data(as_text=True)
    assert 'data-testid="encoding-ja" data-field="encoding_label">UCS-2<' in html
    assert 'data-testid="segments-ja" data-field="segments">2<' in html
    assert "R2026-00012345" in html  # the sample reference (the default is generic: no amount)
    assert 'data-testid="generic-notice"' in html and 'data-testid="personal-notice"' not in html


@pytest.mark.parametrize("body, message", [
    ("【{department}】詳細は https://example.com {callback_phone}", "No web addresses"),
    ("【{department}】振込先 1234567 {callback_phone}", "No bank account details"),
    ("{name}様 {callback_phone}", "must start with"),
    ("【{department}】お電話ください", "must give the callback number"),
    ("【{department}】{nmae} {callback_phone}", "Unknown placeholder {nmae}"),
])
def test_invalid_text_rerenders_with_the_reason(app, world, body, message):
    tax, water, users = world
    before = len(templates_of(tax))
    sup = signed_in(app, users["sup"])
    token = token_of(sup, "/sms/templates/new")
    response = sup.post("/sms/templates/new", data={"csrf_token": token, "name": "bad", "body_ja": GOOD_JA,
                                                    "body_en": body})
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert len(templates_of(tax)) == before


def test_edit_duplicate_name_and_deactivating_a_template_in_use(app, world):
    tax, water, users = world
    sup = signed_in(app, users["sup"])
    template = reminder(tax)
    url = f"/sms/templates/{template.id}"
    token = token_of(sup, url)
    data = {"csrf_token": token, "name": template.name, "body_ja": GENERIC_JA, "body_en": ""}
    page = sup.post(url, data=data)  # unticked "active", but the default rule sends it
    assert "Active rules send this template" in page.get_data(as_text=True)
    # The default rule's generic fallback is the template itself: it may not become personal.
    page = sup.post(url, data={**data, "body_ja": GOOD_JA, "active": "y"})
    assert page.status_code == 200 and "as their generic fallback" in page.get_data(as_text=True)
    assert sup.post(url, data={**data, "active": "y"}).status_code == 302
    [event] = audits("sms_template.update")
    assert set(event.details["changed"]) == {"body_ja", "body_en"}
    token = token_of(sup, "/sms/templates/new")
    page = sup.post("/sms/templates/new", data={**data, "csrf_token": token, "active": "y"})
    assert "a template of this name already" in page.get_data(as_text=True)


def test_an_english_rule_needs_the_english_text(app, world):
    tax, water, users = world
    rule = default_rule(tax)
    rule.language = "en"
    db.session.commit()
    sup = signed_in(app, users["sup"])
    url = f"/sms/templates/{rule.template_id}"
    token = token_of(sup, url)
    page = sup.post(url, data={"csrf_token": token, "name": "x", "body_ja": GOOD_JA, "body_en": "",
                               "active": "y"})
    assert "An active rule sends the English text" in page.get_data(as_text=True)
    assert db.session.get(EscalationRule, rule.id).template.name != "x"


def test_roles_scoping_and_csrf(app, world):
    tax, water, users = world
    before = len(templates_of(tax))
    water_template = reminder(water)
    assert signed_in(app, users["op"]).get("/sms/templates").status_code == 403
    sup = signed_in(app, users["sup"])
    assert sup.get(f"/sms/templates/{water_template.id}").status_code == 404
    assert sup.get("/sms/templates?department=WATER").status_code == 404
    token = token_of(sup, "/sms/templates")
    data = {"csrf_token": token, "name": "x", "body_ja": GOOD_JA, "active": "y"}
    assert sup.post(f"/sms/templates/{water_template.id}", data=data).status_code == 404
    tax_template = reminder(tax)
    assert sup.post(f"/sms/templates/{tax_template.id}", data={**data, "csrf_token": "x"}).status_code == 400
    mgr = signed_in(app, users["mgr"])
    html = mgr.get(f"/sms/templates/{water_template.id}").get_data(as_text=True)
    assert "Read only" in html
    assert mgr.post(f"/sms/templates/{water_template.id}", data={**data, "csrf_token": f.csrf_from(html)}
                    ).status_code == 403
    assert mgr.get("/sms/templates/new").status_code == 403
    admin = signed_in(app, users["admin"])
    token = token_of(admin, "/sms/templates/new?department=WATER")
    body = "【{department}】水道料金 {amount}円。{callback_phone}"
    assert admin.post("/sms/templates/new?department=WATER", data={**data, "csrf_token": token,
                                                                  "body_ja": body}).status_code == 302
    assert [t.name for t in templates_of(water)][-1] == "x"
    assert len(templates_of(tax)) == before


def test_the_preview_endpoint(app, world):
    tax, water, users = world
    sup = signed_in(app, users["sup"])
    token = token_of(sup, "/sms/templates/new")
    headers = {"X-CSRFToken": token}
    response = sup.post("/sms/templates/preview",
                        json={"body": GOOD_JA, "language": "ja", "department": "TAX"}, headers=headers)
    body = response.get_json()
    assert response.status_code == 200
    assert body["encoding"] == "ucs2" and body["segments"] == 1 and body["errors"] == []
    assert body["text"].startswith("【税務課】") and body["cost"] == 10.0
    longer = sup.post("/sms/templates/preview", headers=headers, json={
        "body": GOOD_JA + "ご確認ください。" * 5, "language": "ja", "department": "TAX"}).get_json()
    assert longer["segments"] == 2 and longer["chars"] > body["chars"]
    bad = sup.post("/sms/templates/preview", json={"body": "www.example.com", "language": "en",
                                                   "department": "TAX"}, headers=headers).get_json()
    assert any("web addresses" in e for e in bad["errors"])
    assert sup.post("/sms/templates/preview", json={"body": "x", "language": "ja", "department": "TAX"}
                    ).status_code == 400  # no CSRF header
    for payload in ({"body": 5, "language": "ja", "department": "TAX"}, {"body": "x", "language": "fr",
                    "department": "TAX"}, [], {"body": "x", "language": "ja"}):
        assert sup.post("/sms/templates/preview", json=payload, headers=headers).status_code == 400
    assert sup.post("/sms/templates/preview", data=b"{not json", headers={**headers,
                    "Content-Type": "application/json"}).status_code == 400
    assert sup.post("/sms/templates/preview", json={"body": "x", "language": "ja", "department": "WATER"},
                    headers=headers).status_code == 404
    huge = {"body": "x" * 5000, "language": "ja", "department": "TAX"}
    assert sup.post("/sms/templates/preview", json=huge, headers=headers).status_code == 413
    op = signed_in(app, users["op"])
    assert op.post("/sms/templates/preview", json={"body": "x", "language": "ja", "department": "TAX"},
                   headers=headers).status_code in (400, 403)
