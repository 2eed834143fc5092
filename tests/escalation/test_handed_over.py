"""The list of cases rules handed to the supervisors, and "Return to queue"."""

import pytest

from app import clock
from app.cases.models import Case
from app.extensions import db
from tests import factories as f
from tests.escalation.helpers import audits, signed_in, token_of

NOW = f.WORKDAY_MORNING


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setattr(clock, "utcnow", lambda: NOW)
    tax, water = f.department("TAX"), f.department("WATER")
    held = {}
    for dept in (tax, water):
        case = f.case(dept, status="hold")
        case.hold_reason = "escalated"
        held[dept.code] = case
    by_hand = f.case(tax, status="hold")
    by_hand.hold_reason = "dispute"  # on hold for another reason: not listed
    db.session.commit()
    users = {"sup": f.user("sup", "supervisor", tax), "op": f.user("op", "operator", tax),
             "mgr": f.user("mgr", "manager")}
    return held, by_hand, users


def test_supervisor_sees_own_escalated_cases_and_returns_one(app, world):
    held, by_hand, users = world
    sup = signed_in(app, users["sup"])
    page = sup.get("/escalation/handed-over").get_data(as_text=True)
    assert held["TAX"].case_ref in page
    assert held["WATER"].case_ref not in page and by_hand.case_ref not in page
    token = f.csrf_from(page)

    response = sup.post(f"/escalation/handed-over/{held['TAX'].id}/return", data={"csrf_token": token})

    assert response.status_code == 302
    db.session.expire_all()
    case = db.session.get(Case, held["TAX"].id)
    assert (case.status, case.hold_reason, case.next_action_at) == ("open", None, NOW)
    [event] = audits("case.return_to_queue")
    assert event.object_id == case.id and event.actor_id == users["sup"].id
    # Twice: nothing more happens.
    sup.post(f"/escalation/handed-over/{held['TAX'].id}/return", data={"csrf_token": token})
    assert len(audits("case.return_to_queue")) == 1


def test_scoping_roles_and_csrf(app, world):
    held, by_hand, users = world
    sup = signed_in(app, users["sup"])
    token = token_of(sup, "/escalation/handed-over")
    assert sup.get("/escalation/handed-over?department=WATER").status_code == 404
    assert sup.post(f"/escalation/handed-over/{held['WATER'].id}/return",
                    data={"csrf_token": token}).status_code == 404
    assert sup.post(f"/escalation/handed-over/{held['TAX'].id}/return").status_code == 400  # no CSRF
    assert signed_in(app, users["op"]).get("/escalation/handed-over").status_code == 403
    mgr = signed_in(app, users["mgr"])
    page = mgr.get("/escalation/handed-over?department=WATER").get_data(as_text=True)
    assert held["WATER"].case_ref in page and "Return to queue" not in page
    token = f.csrf_from(page)
    assert mgr.post(f"/escalation/handed-over/{held['WATER'].id}/return",
                    data={"csrf_token": token}).status_code == 403
    db.session.expire_all()
    assert all(db.session.get(Case, c.id).status == "hold" for c in held.values())
    assert audits("case.return_to_queue") == []
