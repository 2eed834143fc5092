"""What every new department starts with: Misato's rule, two unanswered calls to a mobile ->
the payment-reminder SMS (migration 0002 gives departments that existed before the same), and
the promise-due reminder the day before a promised payment (migration 0003)."""

from datetime import datetime

from app.audit.services import record
from app.auth.models import Department
from app.escalation.models import Action, EscalationRule, PhoneScope, Trigger
from app.extensions import db
from app.sms.models import SmsTemplate

REMINDER_TEMPLATE_NAME = "payment-reminder"
REMINDER_BODY_JA = (
    "【{department}】{name}様 {due_date}納期限の税金等 {amount}円のお支払いが確認できておりません。"
    "お問い合わせは{callback_phone}へお電話ください。（番号{case_ref}）"
)
REMINDER_BODY_EN = (
    "【{department}】 Dear {name}, we have not yet received {amount} yen due on {due_date}. "
    "Please call us on {callback_phone} (ref {case_ref})."
)
DEFAULT_RULE_NAME = "2 unanswered calls -> payment reminder SMS"
# The promises issue: the day before a promised payment falls due (Mihara's most used message).
# {amount} would be the whole balance, not the instalment, so the text does not use it.
PROMISE_TEMPLATE_NAME = "promise-reminder"
PROMISE_BODY_JA = (
    "【{department}】{name}様 お約束いただいたお支払いの予定日は{due_date}です。"
    "お支払い済みの場合はご容赦ください。お問い合わせは{callback_phone}へ（番号{case_ref}）"
)
PROMISE_BODY_EN = (
    "【{department}】 Dear {name}, a reminder of the payment you promised for {due_date}. "
    "If you have paid, please ignore this. Questions: {callback_phone} (ref {case_ref})."
)
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
        template_id=template.id, language="ja", priority_boost=0, delay_minutes=0, active=True,
        created_at=now, updated_at=now,
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
        template_id=template.id, language="ja", priority_boost=0, delay_minutes=0, active=True,
        created_at=now, updated_at=now,
    )
    db.session.add(rule)
    db.session.flush()
    record(actor, "escalation_rule.create", "escalation_rule", rule.id, now, default=True)
    return rule
