"""The rule screens: roles, department scoping, CSRF, validation, the dry run, audit rows."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.calls.models import CallAttempt
from app.escalation.models import EscalationRule
from app.extensions import db
from tests import factories as f
from tests.escalation.helpers import FIXED, audits, default_rule, signed_in, token_of

NOW = f.WORKDAY_MORNING


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setattr(clock, "utcnow", lambda: NOW)
    tax, water = f.department("TAX", name="税務課"), f.department("WATER", name="上下水道課")
    users = {
        "sup": f.user("sup", "supervisor", tax), "sup_water": f.user("sup2", "supervisor", water),
        "op": f.user("op", "operator", tax), "mgr": f.user("mgr", "manager"),
        "admin": f.user("admin", "admin"),
    }
    return tax, water, users


def rule_data(token, template, **changes):
    data = {"csrf_token": token, "name": "Two calls", "trigger": "unanswered_calls", "count": "2",
            "window_days": "14", "phone_scope": "mobile", "action": "send_sms",
            "template_id": str(template), "language": "ja", "priority_boost": "0",
            "delay_minutes": "0", "active": "y"}
    data.update(changes)
    return data


def rules_of(dept):
    db.session.expire_all()
    return list(db.session.scalars(select(EscalationRule).where(EscalationRule.department_id == dept.id)
                                   .order_by(EscalationRule.id)))


def test_roles(app, world):
    tax, water, users = world
    rule = default_rule(tax)
    assert signed_in(app, users["op"]).get("/escalation/rules").status_code == 403
    assert signed_in(app, users["op"]).get(f"/escalation/rules/{rule.id}").status_code == 403
    anonymous = app.test_client()
    assert anonymous.get("/escalation/rules").status_code == 302
    sup = signed_in(app, users["sup"])
    page = sup.get("/escalation/rules")
    assert page.status_code == 200 and "payment reminder SMS" in page.get_data(as_text=True)
    assert sup.get("/escalation/rules/new").status_code == 200


def test_department_scoping(app, world):
    tax, water, users = world
    sup = signed_in(app, users["sup"])
    water_rule = default_rule(water)
    assert sup.get("/escalation/rules?department=WATER").status_code == 404
    assert sup.get(f"/escalation/rules/{water_rule.id}").status_code == 404
    token = token_of(sup, "/escalation/rules/new")
    response = sup.post(f"/escalation/rules/{water_rule.id}", data=rule_data(token, water_rule.template_id))
    assert response.status_code == 404
    assert sup.get("/escalation/rules/new?department=WATER").status_code == 404
    admin = signed_in(app, users["admin"])
    page = admin.get("/escalation/rules?department=WATER").get_data(as_text=True)
    assert "上下水道課" in page and 'name="department"' in page  # the department selector


def test_managers_read_but_do_not_change(app, world):
    tax, water, users = world
    rule = default_rule(water)
    mgr = signed_in(app, users["mgr"])
    page = mgr.get(f"/escalation/rules/{rule.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Read only" in html and 'data-testid="save-rule"' not in html
    token = f.csrf_from(html)
    assert mgr.post(f"/escalation/rules/{rule.id}", data=rule_data(token, rule.template_id, count="5")
                    ).status_code == 403
    assert mgr.get("/escalation/rules/new").status_code == 403
    db.session.expire_all()
    assert db.session.get(EscalationRule, rule.id).count == 2


def test_supervisor_creates_a_rule_and_it_is_audited(app, world):
    tax, water, users = world
    sup = signed_in(app, users["sup"])
    token = token_of(sup, "/escalation/rules/new")
    template_id = default_rule(tax).template_id
    response = sup.post("/escalation/rules/new",
                        data=rule_data(token, template_id, count="3", delay_minutes="30"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/escalation/rules?department=TAX")
    new = rules_of(tax)[-1]
    assert (new.name, new.count, new.delay_minutes, new.template_id, new.active) == (
        "Two calls", 3, 30, template_id, True)
    [event] = audits("escalation_rule.create")[-1:]
    assert event.object_id == new.id and event.actor_id == users["sup"].id
    assert event.details["fields"]["count"] == 3


def test_an_edit_is_audited_with_the_changed_fields(app, world):
    tax, water, users = world
    rule = default_rule(tax)
    sup = signed_in(app, users["sup"])
    token = token_of(sup, f"/escalation/rules/{rule.id}")
    response = sup.post(f"/escalation/rules/{rule.id}", data=rule_data(
        token, rule.template_id, name=rule.name, count="3", active=""))
    assert response.status_code == 302
    [event] = audits("escalation_rule.update")
    assert event.details["changed"] == {"count": [2, 3], "active": [True, False]}


@pytest.mark.parametrize("changes, message", [
    ({"count": "0"}, "Between 1 and 20"),
    ({"count": "two"}, "Not a valid integer value"),
    ({"trigger": "sometimes"}, "Not a valid choice"),
    ({"template_id": ""}, "Choose one of the department's SMS templates"),
    ({"action": "raise_priority", "priority_boost": "0"}, "Give the number of points to add"),
    ({"action": "hand_over", "delay_minutes": "10"}, "Only an SMS can be delayed"),
    ({"name": ""}, "Required."),
])
def test_bad_input_rerenders_the_form_and_saves_nothing(app, world, changes, message):
    tax, water, users = world
    before = len(rules_of(tax)), len(audits("escalation_rule.create"))
    sup = signed_in(app, users["sup"])
    token = token_of(sup, "/escalation/rules/new")
    data = rule_data(token, default_rule(tax).template_id, **changes)
    response = sup.post("/escalation/rules/new", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert (len(rules_of(tax)), len(audits("escalation_rule.create"))) == before


def test_another_departments_template_is_refused(app, world):
    tax, water, users = world
    before = len(rules_of(tax))
    sup = signed_in(app, users["sup"])
    token = token_of(sup, "/escalation/rules/new")
    response = sup.post("/escalation/rules/new", data=rule_data(token, default_rule(water).template_id))
    assert "Choose one of the department" in response.get_data(as_text=True)
    assert len(rules_of(tax)) == before


def test_csrf_is_required(app, world):
    tax, water, users = world
    sup = signed_in(app, users["sup"])
    rule = default_rule(tax)
    response = sup.post(f"/escalation/rules/{rule.id}", data=rule_data("forged", rule.template_id, count="9"))
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(EscalationRule, rule.id).count == 2


def two_unanswered_calls(case):
    for hours in (5, 2):
        db.session.add(CallAttempt(case_id=case.id, phone_id=case.taxpayer.phones[0].id, direction="outbound",
                                   outcome="no_answer", at=NOW - timedelta(hours=hours)))
    db.session.commit()


def match_count(page) -> str:
    return re.search(r'id="match-count"[^>]*>([^<]*)<', page.get_data(as_text=True)).group(1)


def test_check_matches_counts_before_saving(app, world):
    tax, water, users = world
    two_unanswered_calls(f.case(tax))
    two_unanswered_calls(f.case(tax, phones=(FIXED,)))
    before = len(rules_of(tax))
    sup = signed_in(app, users["sup"])
    token = token_of(sup, "/escalation/rules/new")
    data = rule_data(token, default_rule(tax).template_id, check="1")
    page = sup.post("/escalation/rules/new", data=data)
    assert page.status_code == 200
    assert match_count(page) == "1"
    data.update(phone_scope="any", action="raise_priority", priority_boost="5")
    page = sup.post("/escalation/rules/new", data=data)
    assert match_count(page) == "2"
    assert len(rules_of(tax)) == before  # nothing saved


def test_the_live_count_endpoint(app, world):
    tax, water, users = world
    two_unanswered_calls(f.case(tax))
    sup = signed_in(app, users["sup"])
    token = token_of(sup, "/escalation/rules/new")
    data = rule_data(token, default_rule(tax).template_id, department="TAX")
    del data["csrf_token"]
    headers = {"X-CSRFToken": token}
    assert sup.post("/escalation/rules/check", data=data, headers=headers).get_json() == {"matches": 1}
    assert sup.post("/escalation/rules/check", data=data).status_code == 400  # no CSRF header
    bad = sup.post("/escalation/rules/check", data={**data, "count": "x"}, headers=headers)
    assert bad.status_code == 400 and "count" in bad.get_json()["fields"]
    other = sup.post("/escalation/rules/check", data={**data, "department": "WATER"}, headers=headers)
    assert other.status_code == 404
    promise = sup.post("/escalation/rules/check", data={**data, "trigger": "promise_broken"}, headers=headers)
    assert promise.get_json() == {"matches": None}
    # A saved rule's past firings count: the default rule never fired, so the same number.
    rule_id = default_rule(tax).id
    assert sup.post("/escalation/rules/check", data={**data, "rule_id": str(rule_id)},
                    headers=headers).get_json() == {"matches": 1}
    water_rule = default_rule(water).id
    assert sup.post("/escalation/rules/check", data={**data, "rule_id": str(water_rule)},
                    headers=headers).status_code == 404
    mgr = signed_in(app, users["mgr"])
    token = token_of(mgr, "/escalation/rules")
    assert mgr.post("/escalation/rules/check", data=data, headers={"X-CSRFToken": token}).status_code == 200
    op = signed_in(app, users["op"])
    assert op.post("/escalation/rules/check", data=data, headers=headers).status_code in (400, 403)
