"""What every new department starts with: Misato's rule, two unanswered calls to a mobile ->
the payment-reminder SMS (migration 0002 gives departments that existed before the same), and
the promise-due reminder the day before a promised payment (migration 0003)."""

from datetime import datetime

from app.audit.services import record
from app.auth.models import Department
from app.escalation.models import Action, EscalationRule, PhoneScope, Trigger
from app.extensions import db
from app.sms.default_texts import (  # noqa: F401 (the texts' old home: migrations and tests read them here)
    OLD_PROMISE_BODY_JA,
    OLD_REMINDER_BODY_JA,
    PROMISE_BODY_EN,
    PROMISE_BODY_JA,
    PROMISE_TEMPLATE_NAME,
    REMINDER_BODY_EN,
    REMINDER_BODY_JA,
    REMINDER_TEMPLATE_NAME,
    edited_default,
)
from app.sms.models import SmsTemplate

DEFAULT_RULE_NAME = "2 unanswered calls -> payment reminder SMS"
PROMISE_RULE_NAME = "Promise due tomorrow -> reminder SMS"


def add_default_rules(dept: Department, now: datetime, actor=None) -> EscalationRule:
    """Give `dept` the payment-reminder template and the two-unanswered-calls rule."""
    template = SmsTemplate(
        department_id=dept.id, name=REMINDER_TEMPLATE_NAME, body_ja=REMINDER_BODY_JA,
        body_en=REMINDER_BODY_EN, active=True, created_at=now, updated_at=now,
    )
    db.session.add(template)
    db.session.flush()
    rule = EscalationRule(
        department_id=dept.id, name=DEFAULT_RULE_NAME, trigger=Trigger.UNANSWERED_CALLS, count=2,
        window_days=14, phone_scope=PhoneScope.MOBILE, action=Action.SEND_SMS,
        template_id=template.id, fallback_template_id=template.id, language="ja", priority_boost=0,
        delay_minutes=0, active=True, created_at=now, updated_at=now,
    )
    db.session.add(rule)
    db.session.flush()
    record(actor, "escalation_rule.create", "escalation_rule", rule.id, now, default=True)
    add_promise_reminder(dept, now, actor)
    return rule


def add_promise_reminder(dept: Department, now: datetime, actor=None) -> EscalationRule:
    """Give `dept` the promise-reminder template and the promise-due rule (the day before)."""
    template = SmsTemplate(
        department_id=dept.id, name=PROMISE_TEMPLATE_NAME, body_ja=PROMISE_BODY_JA,
        body_en=PROMISE_BODY_EN, active=True, created_at=now, updated_at=now,
    )
    db.session.add(template)
    db.session.flush()
    rule = EscalationRule(
        department_id=dept.id, name=PROMISE_RULE_NAME, trigger=Trigger.PROMISE_DUE, count=1,
        window_days=1, phone_scope=PhoneScope.MOBILE, action=Action.SEND_SMS,
        template_id=template.id, fallback_template_id=template.id, language="ja", priority_boost=0,
        delay_minutes=0, active=True, created_at=now, updated_at=now,
    )
    db.session.add(rule)
    db.session.flush()
    record(actor, "escalation_rule.create", "escalation_rule", rule.id, now, default=True)
    return rule
