"""The rule editor's dry run, on a hand-built set of call histories."""

from dataclasses import replace
from datetime import timedelta

import pytest

from app.calls.models import CallAttempt
from app.escalation.editing import RuleSettings
from app.escalation.models import Action, EscalationFiring, PhoneScope, Trigger
from app.escalation.rules import dry_run
from app.escalation.streaks import streak_query
from app.extensions import db
from tests import factories as f
from tests.escalation.helpers import FIXED, MOBILE, MOBILE_NO_CONSENT, at, default_rule

NOW = at(days=1)


def calls(case, *spec):
    """spec: (hours before NOW, outcome[, phone index[, direction]])."""
    for hours, outcome, *rest in spec:
        index = rest[0] if rest else 0
        direction = rest[1] if len(rest) > 1 else "outbound"
        db.session.add(CallAttempt(case_id=case.id, phone_id=case.taxpayer.phones[index].id,
                                   direction=direction, outcome=outcome, at=NOW - timedelta(hours=hours)))
    db.session.commit()


@pytest.fixture
def world(app):
    dept = f.department("TAX")
    other = f.department("WATER")
    c = {}
    c["A"] = f.case(dept)
    calls(c["A"], (5, "no_answer"), (2, "busy"))
    c["B"] = f.case(dept)
    calls(c["B"], (5, "no_answer"))
    c["C"] = f.case(dept)
    calls(c["C"], (6, "no_answer"), (4, "answered"), (2, "no_answer"))
    c["D"] = f.case(dept, phones=(MOBILE_NO_CONSENT,))
    calls(c["D"], (5, "no_answer"), (2, "voicemail"))
    c["E"] = f.case(dept, phones=(FIXED, MOBILE))
    calls(c["E"], (5, "no_answer", 0), (2, "no_answer", 0))
    c["F"] = f.case(dept)
    calls(c["F"], (24 * 20, "no_answer"), (24 * 19, "no_answer"))
    c["G"] = f.case(other)
    calls(c["G"], (5, "no_answer"), (2, "no_answer"))
    c["H"] = f.case(dept, status="closed")
    calls(c["H"], (5, "no_answer"), (2, "no_answer"))
    c["I"] = f.case(dept)
    calls(c["I"], (7, "no_answer"), (5, "no_answer"), (2, "busy"))
    c["J"] = f.case(dept)
    calls(c["J"], (5, "no_answer"), (2, "no_answer"))
    rule = default_rule(dept)
    db.session.add(EscalationFiring(rule_id=rule.id, case_id=c["J"].id, idempotency_key="earlier",
                                    action=rule.action, outcome="queued", fired_at=NOW - timedelta(hours=4)))
    c["K"] = f.case(dept)
    calls(c["K"], (5, "no_answer", 0, "inbound"), (2, "busy", 0, "inbound"))
    c["L"] = f.case(dept, phones=(MOBILE, ("+819055556666", "mobile", True)))
    calls(c["L"], (5, "no_answer", 0), (3, "third_party", 0), (2, "no_answer", 1))
    db.session.commit()
    return dept, rule, c


BASE = RuleSettings(name="x", trigger=Trigger.UNANSWERED_CALLS, count=2, window_days=14,
                    phone_scope=PhoneScope.MOBILE, action=Action.SEND_SMS, template_id=None)


def matched(dept, settings):
    rows = db.session.execute(streak_query(settings, NOW, department_id=dept.id)).all()
    return {row.case_id for row in rows}


def test_dry_run_counts_the_cases_the_rule_matches_now(world):
    dept, rule, c = world
    ids = {v.id: k for k, v in c.items()}
    assert sorted(ids[i] for i in matched(dept, BASE)) == ["A", "D", "I", "J", "L"]
    assert dry_run(dept, BASE, NOW) == 4  # D has no consented mobile
    assert dry_run(dept, replace(BASE, action=Action.RAISE_PRIORITY), NOW) == 5
    assert dry_run(dept, replace(BASE, phone_scope=PhoneScope.ANY), NOW) == 5  # + E
    assert dry_run(dept, replace(BASE, window_days=30), NOW) == 5  # + F
    assert dry_run(dept, replace(BASE, count=3), NOW) == 1  # I
    # The saved rule fired on J's streak after its first call: one call since then.
    assert dry_run(dept, replace(BASE, id=rule.id), NOW) == 3


def test_promise_triggers_have_no_dry_run(world):
    dept, _rule, _c = world
    assert dry_run(dept, replace(BASE, trigger=Trigger.PROMISE_DUE), NOW) is None
