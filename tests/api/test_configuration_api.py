"""/api/v1/templates and /api/v1/rules (issue 10): list, create, patch with the editors' own
checks (422 with the same reasons in `fields`), audited; supervisors for their department,
admins for any, others 403."""

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.services import create_token
from app.escalation.editing import RuleSettings, rule_problems
from app.escalation.models import EscalationRule
from app.extensions import db
from app.sms.models import SmsTemplate
from app.sms.template_editing import TemplateSettings, template_problems
from tests import factories as f

GENERIC = "【{department}】{callback_phone}までお電話ください。（番号{case_ref}）"
PERSONAL = "【{department}】{name}様 {amount}円が未納です。{callback_phone}へ"


@pytest.fixture
def world(app):
    tax, water = f.department("TAX", name="税務課"), f.department("WATER", name="水道課")
    users = {"sup": f.user("sup", "supervisor", tax), "wsup": f.user("wsup", "supervisor", water),
             "op": f.user("op", "operator", tax), "boss": f.user("boss", "manager"),
             "root": f.user("root", "admin")}
    tokens = {k: create_token(u, f.WORKDAY_MORNING) for k, u in users.items()}
    db.session.commit()
    headers = {k: {"Authorization": f"Bearer {t}"} for k, t in tokens.items()}
    return tax, water, users, headers


def audits(action: str) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(db.session.scalars(stmt))


def english(problems: dict) -> dict:
    """The service's reasons as the API gives them (English)."""
    from flask import current_app
    from flask_babel import force_locale

    with current_app.test_request_context(), force_locale("en"):
        return {k: [str(m) for m in v] if isinstance(v, list) else str(v) for k, v in problems.items()}


def test_lists_have_exactly_the_issues_fields(client, world):
    tax, water, users, h = world
    templates = client.get("/api/v1/templates?department=TAX", headers=h["sup"]).get_json()
    assert {t["name"] for t in templates} == {"payment-reminder", "promise-reminder"}
    assert set(templates[0]) == {"id", "department", "name", "body_ja", "body_en", "disclosure", "active"}
    assert {(t["department"], t["disclosure"], t["active"]) for t in templates} == {("TAX", "generic", True)}
    rules = client.get("/api/v1/rules?department=TAX", headers=h["sup"]).get_json()
    assert set(rules[0]) == {"id", "department", "name", "trigger", "count", "window_days", "phone_scope",
                             "action", "template_id", "fallback_template_id", "language", "delay_minutes",
                             "active"}
    assert [(r["trigger"], r["action"], r["count"]) for r in rules] == [
        ("unanswered_calls", "send_sms", 2), ("promise_due", "send_sms", 1)]
    assert all(r["fallback_template_id"] == r["template_id"] for r in rules)  # the defaults' fallback
    # Without ?department: the caller's own; a manager and an admin read any department.
    assert client.get("/api/v1/rules", headers=h["sup"]).get_json() == rules
    assert client.get("/api/v1/rules?department=TAX", headers=h["boss"]).get_json() == rules
    assert client.get("/api/v1/rules?department=WATER", headers=h["root"]).status_code == 200
    assert client.get("/api/v1/rules", headers=h["root"]).status_code == 400  # an admin has none
    assert client.get("/api/v1/rules?department=NOPE", headers=h["root"]).status_code == 404


@pytest.mark.parametrize("who, path, status", [
    ("op", "/api/v1/templates?department=TAX", 403), ("op", "/api/v1/rules?department=TAX", 403),
    ("sup", "/api/v1/templates?department=WATER", 403), ("sup", "/api/v1/rules?department=WATER", 403),
])
def test_reading_is_refused_to_operators_and_other_departments(client, world, who, path, status):
    assert client.get(path, headers=world[3][who]).status_code == status


def test_create_and_patch_a_template_audited(client, world):
    tax, water, users, h = world
    response = client.post("/api/v1/templates", headers=h["sup"], json={
        "name": "second notice", "body_ja": PERSONAL, "body_en": ""})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["department"], body["disclosure"], body["active"]) == ("TAX", "personal", True)
    [event] = audits("sms_template.create")
    assert event.actor_id == users["sup"].id and event.object_id == body["id"]
    response = client.patch(f"/api/v1/templates/{body['id']}", headers=h["sup"],
                            json={**body, "body_ja": GENERIC})  # the whole object back: fine
    assert response.status_code == 200 and response.get_json()["disclosure"] == "generic"
    [event] = audits("sms_template.update")
    assert event.details["changed"] == {"body_ja": [PERSONAL, GENERIC]}
    # An admin creates for any department.
    response = client.post("/api/v1/templates", headers=h["root"], json={
        "department": "WATER", "name": "water notice", "body_ja": GENERIC})
    assert response.status_code == 201 and response.get_json()["department"] == "WATER"


@pytest.mark.parametrize("body", [
    {"name": "", "body_ja": GENERIC},
    {"name": "x" * 101, "body_ja": GENERIC},
    {"name": "link", "body_ja": "【{department}】https://pay.example {callback_phone}"},
    {"name": "bank", "body_ja": "【{department}】口座 普通1234567 {callback_phone}"},
    {"name": "attr", "body_ja": "【{department}】{name.__class__} {callback_phone}"},
    {"name": "no header", "body_ja": "{callback_phone}までお電話ください"},
    {"name": "long", "body_ja": "【{department}】{callback_phone}" + "あ" * 1000},
    {"name": "payment-reminder", "body_ja": GENERIC},  # the department has one of this name
    {"name": 7, "body_ja": GENERIC},
    {"name": "types", "body_ja": GENERIC, "active": "yes"},
])
def test_a_bad_template_is_a_422_with_the_editors_reasons(client, world, body):
    tax, water, users, h = world
    before = db.session.scalar(select(db.func.count()).select_from(SmsTemplate))
    response = client.post("/api/v1/templates", headers=h["sup"], json=body)
    assert response.status_code == 422
    fields = response.get_json()["fields"]
    typed = all(isinstance(body.get(k, ""), str) for k in ("name", "body_ja"))
    if typed and body.get("active", True) is True:
        # Exactly the editor's (the service's) reasons.
        expected = template_problems(tax, TemplateSettings(name=body["name"], body_ja=body["body_ja"]))
        assert fields == english(expected)
    assert fields
    assert db.session.scalar(select(db.func.count()).select_from(SmsTemplate)) == before
    assert audits("sms_template.create") == []


def test_template_writes_are_refused_to_others(client, world):
    tax, water, users, h = world
    template = db.session.scalar(select(SmsTemplate).where(SmsTemplate.department_id == water.id))
    assert client.patch(f"/api/v1/templates/{template.id}", headers=h["sup"],
                        json={"name": "mine now"}).status_code == 403
    assert client.post("/api/v1/templates", headers=h["sup"], json={
        "department": "WATER", "name": "x", "body_ja": GENERIC}).status_code == 403
    for who in ("op", "boss"):
        assert client.post("/api/v1/templates", headers=h[who], json={
            "name": "x", "body_ja": GENERIC}).status_code == 403
        assert client.patch(f"/api/v1/templates/{template.id}", headers=h[who],
                            json={"name": "x"}).status_code == 403
    assert client.patch("/api/v1/templates/999999", headers=h["root"], json={"name": "x"}).status_code == 404
    unknown = client.patch(f"/api/v1/templates/{template.id}", headers=h["wsup"], json={"colour": "red"})
    assert unknown.status_code == 422 and unknown.get_json()["fields"] == {"colour": "unknown field"}
    read_only = client.patch(f"/api/v1/templates/{template.id}", headers=h["wsup"],
                             json={"department": "TAX"})
    assert read_only.status_code == 422 and read_only.get_json()["fields"] == {"department": "read-only"}
    assert audits("sms_template.update") == []


def test_create_and_patch_a_rule_audited(client, world):
    tax, water, users, h = world
    generic = client.get("/api/v1/templates?department=TAX", headers=h["sup"]).get_json()[0]
    personal = client.post("/api/v1/templates", headers=h["sup"], json={
        "name": "personal", "body_ja": PERSONAL}).get_json()
    # A personal template needs a generic fallback: the editor's reason.
    response = client.post("/api/v1/rules", headers=h["sup"], json={
        "name": "3 calls", "count": 3, "template_id": personal["id"]})
    assert response.status_code == 422 and "fallback_template_id" in response.get_json()["fields"]
    response = client.post("/api/v1/rules", headers=h["sup"], json={
        "name": "3 calls", "count": 3, "template_id": personal["id"], "fallback_template_id": personal["id"]})
    assert response.get_json()["fields"] == {
        "fallback_template_id": "The fallback must be generic: no {name}, {amount} or {due_date}."}
    response = client.post("/api/v1/rules", headers=h["sup"], json={
        "name": "3 calls", "count": 3, "template_id": personal["id"], "fallback_template_id": generic["id"]})
    assert response.status_code == 201
    rule = response.get_json()
    assert (rule["trigger"], rule["action"], rule["window_days"], rule["language"]) == (
        "unanswered_calls", "send_sms", 14, "ja")  # the editor's defaults
    [event] = [e for e in audits("escalation_rule.create") if e.actor_id == users["sup"].id]
    assert event.object_id == rule["id"]
    response = client.patch(f"/api/v1/rules/{rule['id']}", headers=h["sup"],
                            json={"action": "hand_over", "active": False})
    assert response.status_code == 200
    changed = response.get_json()
    assert (changed["action"], changed["template_id"], changed["fallback_template_id"]) == (
        "hand_over", None, None)
    [event] = audits("escalation_rule.update")
    assert event.details["changed"]["action"] == ["send_sms", "hand_over"]
    # The old word is still accepted and stored as the new one.
    response = client.patch(f"/api/v1/rules/{rule['id']}", headers=h["sup"],
                            json={"action": "hand_to_supervisor"})
    assert response.status_code == 200 and response.get_json()["action"] == "hand_over"
    response = client.post("/api/v1/rules", headers=h["sup"], json={
        "name": "priority", "action": "raise_priority", "priority_boost": 100, "trigger": "promise_broken"})
    assert response.status_code == 201
    assert db.session.get(EscalationRule, response.get_json()["id"]).priority_boost == 100


@pytest.mark.parametrize("changes", [
    {"count": 0}, {"count": True}, {"count": "2"}, {"window_days": 366}, {"trigger": "sometimes"},
    {"action": "explode"}, {"phone_scope": "fax"}, {"language": "fr"}, {"template_id": None},
    {"template_id": 10**12}, {"name": ""}, {"delay_minutes": 20000}, {"active": "no"},
    {"action": "raise_priority", "priority_boost": 0},
])
def test_a_bad_rule_is_a_422_with_the_editors_reasons(client, world, changes):
    tax, water, users, h = world
    rules = client.get("/api/v1/rules", headers=h["sup"]).get_json()
    [rule] = [r for r in rules if r["trigger"] == "unanswered_calls"]
    response = client.patch(f"/api/v1/rules/{rule['id']}", headers=h["sup"], json=changes)
    assert response.status_code == 422
    stored = db.session.get(EscalationRule, rule["id"])
    from dataclasses import replace

    from app.escalation.editing import settings_of

    expected = rule_problems(tax, replace(settings_of(stored), **changes))
    assert response.get_json()["fields"] == english(expected) and expected
    assert audits("escalation_rule.update") == []


def test_rule_writes_are_refused_to_others(client, world):
    tax, water, users, h = world
    rule = db.session.scalar(select(EscalationRule).where(EscalationRule.department_id == water.id))
    assert client.patch(f"/api/v1/rules/{rule.id}", headers=h["sup"], json={"count": 3}).status_code == 403
    assert client.post("/api/v1/rules", headers=h["sup"], json={
        "department": "WATER", "name": "x", "template_id": rule.template_id}).status_code == 403
    for who in ("op", "boss"):
        assert client.patch(f"/api/v1/rules/{rule.id}", headers=h[who], json={"count": 3}).status_code == 403
    assert client.patch(f"/api/v1/rules/{rule.id}", headers=h["root"], json={"count": 3}).status_code == 200
    db.session.expire_all()
    assert db.session.get(EscalationRule, rule.id).count == 3


def test_the_editor_and_the_api_share_one_validation(app):
    """The editor's form has no checks of its own: the same settings give the same reasons."""
    from app.escalation.forms import RuleForm
    from app.sms.template_forms import TemplateForm

    assert all(not f.validators for name, f in TemplateForm(meta={"csrf": False})._fields.items())
    rule_form = RuleForm(meta={"csrf": False})
    kinds = {type(v).__name__ for field in rule_form for v in field.validators}
    assert kinds <= {"InputRequired", "Optional"}
    assert RuleSettings.__dataclass_fields__.keys() >= {"fallback_template_id"}
