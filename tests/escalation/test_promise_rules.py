"""fire_promise_rules, the entry point the promises workflow calls (tested with plain keys)."""

from datetime import date

import pytest
from sqlalchemy import select

from app.escalation.models import Action, EscalationFiring, EscalationRule, PhoneScope, Trigger
from app.escalation.rules import fire_promise_rules
from app.extensions import db
from tests import factories as f
from tests.escalation.helpers import at, default_rule, messages

MONDAY = date(2026, 11, 16)  # WORKDAY_MORNING's local date


@pytest.fixture
def dept(app):
    """A department whose own promise rules (if the defaults give it any) are switched off, so
    each test has only the rules it adds."""
    dept = f.department("TAX", name="税務課")
    for rule in db.session.scalars(select(EscalationRule).where(
            EscalationRule.department_id == dept.id, EscalationRule.trigger != Trigger.UNANSWERED_CALLS)):
        rule.active = False
    db.session.commit()
    return dept


def add_rule(dept, trigger, **kw):
    now = at()
    fields = dict(department_id=dept.id, name=str(trigger), trigger=trigger, count=1, window_days=1,
                  phone_scope=PhoneScope.ANY, action=Action.SEND_SMS, language="ja",
                  created_at=now, updated_at=now)
    fields.update(kw)
    rule = EscalationRule(**fields)
    db.session.add(rule)
    db.session.commit()
    return rule


def test_promise_due_sends_the_reminder_d_days_before_once(dept):
    template_id = default_rule(dept).template_id
    rule = add_rule(dept, Trigger.PROMISE_DUE, template_id=template_id, window_days=1)
    case = f.case(dept)

    assert fire_promise_rules(Trigger.PROMISE_DUE, case, "promise:7:1:due", date(2026, 11, 18), at()) == []
    [firing] = fire_promise_rules(Trigger.PROMISE_DUE, case, "promise:7:1:due", date(2026, 11, 17), at())
    db.session.commit()
    assert firing.idempotency_key == f"rule:{rule.id}:case:{case.id}:promise:7:1:due"
    [message] = messages(case)
    # The default template is generic: no date (a due date names the debt).
    assert "2026年11月17日" not in message.text and message.disclosure == "generic"
    assert message.idempotency_key == firing.idempotency_key
    # A sweep calling again later the same day, or on the due date: nothing twice.
    assert fire_promise_rules(Trigger.PROMISE_DUE, case, "promise:7:1:due", date(2026, 11, 17), at(5)) == []
    assert fire_promise_rules(Trigger.PROMISE_DUE, case, "promise:7:1:due", date(2026, 11, 17),
                              at(days=1)) == []
    assert len(messages(case)) == 1


def test_promise_due_does_not_fire_after_the_date(dept):
    add_rule(dept, Trigger.PROMISE_DUE, template_id=default_rule(dept).template_id, window_days=3)
    case = f.case(dept)
    assert fire_promise_rules(Trigger.PROMISE_DUE, case, "p1", date(2026, 11, 15), at()) == []
    assert len(fire_promise_rules(Trigger.PROMISE_DUE, case, "p2", MONDAY, at())) == 1


def test_promise_broken_fires_once_per_promise(dept):
    add_rule(dept, Trigger.PROMISE_BROKEN, action=Action.RAISE_PRIORITY, priority_boost=500)
    add_rule(dept, Trigger.PROMISE_DUE, action=Action.RAISE_PRIORITY, priority_boost=1)  # not this one
    case = f.case(dept, priority=3)
    assert len(fire_promise_rules(Trigger.PROMISE_BROKEN, case, "promise:1:broken", MONDAY, at())) == 1
    assert fire_promise_rules(Trigger.PROMISE_BROKEN, case, "promise:1:broken", MONDAY, at(1)) == []
    assert len(fire_promise_rules(Trigger.PROMISE_BROKEN, case, "promise:2:broken", MONDAY, at(2))) == 1
    db.session.commit()
    assert case.priority == 1003
    assert db.session.scalar(select(EscalationFiring.outcome)) == "priority_raised"


def test_the_unanswered_trigger_is_not_a_promise_trigger(dept):
    with pytest.raises(ValueError):
        fire_promise_rules(Trigger.UNANSWERED_CALLS, f.case(dept), "x", MONDAY, at())
