"""Supervisors' changes to escalation rules and to the cases rules handed over: validated,
audited with what changed, flushed (the caller commits).

Who may do what: supervisors edit their own department's rules and return its cases to the
queue, admins any department's; managers read every department's rules and handed-over
cases but change nothing (they read results; configuration is the supervisors' job).
"""

from dataclasses import asdict, dataclass, fields
from datetime import datetime

from flask_babel import lazy_gettext as _
from sqlalchemy import select

from app.audit.services import apply_changes, record
from app.auth.models import Department
from app.cases.models import Case, CaseStatus
from app.escalation.models import Action, EscalationRule, PhoneScope, Trigger
from app.escalation.rules import ESCALATED
from app.extensions import db
from app.sms import failures
from app.sms.models import SmsTemplate
from app.sms.templates import LANGUAGES, template_errors

LIMITS = {  # field: (min, max)
    "count": (1, 20),
    "window_days": (1, 365),
    "priority_boost": (0, 10_000),
    "delay_minutes": (0, 7 * 24 * 60),
}


@dataclass
class RuleSettings:
    """A rule as edited (saved or not): what `dry_run` and `create_rule`/`update_rule` take."""

    name: str
    trigger: str
    count: int
    window_days: int
    phone_scope: str
    action: str
    template_id: int | None
    language: str = "ja"
    priority_boost: int = 0
    delay_minutes: int = 0
    active: bool = True
    id: int | None = None  # the saved rule's id: its past firings matter to the dry run


RULE_FIELDS = tuple(f.name for f in fields(RuleSettings) if f.name != "id")


class RuleError(ValueError):
    """Settings that cannot be saved; `fields` maps a field name to the reason."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.fields = problems


def settings_of(rule: EscalationRule) -> RuleSettings:
    return RuleSettings(id=rule.id, **{name: getattr(rule, name) for name in RULE_FIELDS})


def rule_problems(dept: Department, s: RuleSettings) -> dict[str, str]:
    """What is wrong with `s` for a rule of `dept` (empty when nothing)."""
    problems = {}
    if not (s.name or "").strip():
        problems["name"] = _("Required.")
    for name, kind in (("trigger", Trigger), ("action", Action), ("phone_scope", PhoneScope)):
        if getattr(s, name) not in set(kind):
            problems[name] = _("Not a valid choice.")
    if s.language not in LANGUAGES:
        problems["language"] = _("Not a valid choice.")
    for name, (low, high) in LIMITS.items():
        value = getattr(s, name)
        if not isinstance(value, int) or not low <= value <= high:
            problems[name] = _("Between %(low)d and %(high)d.", low=low, high=high)
    if s.action == Action.SEND_SMS:
        problem = _template_problem(dept, s.template_id, s.language)
        if problem:
            problems["template_id"] = problem
    elif s.delay_minutes:
        problems["delay_minutes"] = _("Only an SMS can be delayed.")
    if s.action == Action.RAISE_PRIORITY and not s.priority_boost:
        problems["priority_boost"] = _("Give the number of points to add.")
    return problems


def _template_problem(dept: Department, template_id: int | None, language: str) -> str | None:
    template = db.session.get(SmsTemplate, template_id) if template_id else None
    if template is None or template.department_id != dept.id:
        return _("Choose one of the department's SMS templates.")
    if not template.active:
        return _("This template is not active.")
    body = template.body_en if language == "en" else template.body_ja
    if not (body or "").strip():
        return _("This template has no text in the rule's language.")
    if template_errors(body, dept):
        return _("This template's text is not valid any more: correct it first.")
    return None


def _clean(s: RuleSettings) -> dict:
    values = {name: getattr(s, name) for name in RULE_FIELDS}
    values["name"] = values["name"].strip()
    if s.action != Action.SEND_SMS:
        values["template_id"] = None  # only an SMS uses a template
    return values


def create_rule(dept: Department, s: RuleSettings, actor, now: datetime) -> EscalationRule:
    """A new rule of `dept`; raises RuleError."""
    problems = rule_problems(dept, s)
    if problems:
        raise RuleError(problems)
    values = _clean(s)
    rule = EscalationRule(department_id=dept.id, created_at=now, updated_at=now, **values)
    db.session.add(rule)
    db.session.flush()
    record(actor, "escalation_rule.create", "escalation_rule", rule.id, now,
           department_id=dept.id, fields=values)
    return rule


def update_rule(rule: EscalationRule, s: RuleSettings, actor, now: datetime) -> dict:
    """Change `rule`; returns (and audits) {field: [before, after]}; raises RuleError."""
    problems = rule_problems(rule.department, s)
    if problems:
        raise RuleError(problems)
    changed = apply_changes(rule, asdict(settings_of(rule)), _clean(s))
    if changed:
        rule.updated_at = now
        record(actor, "escalation_rule.update", "escalation_rule", rule.id, now,
               department_id=rule.department_id, changed=changed)
    return changed


def handed_over(department_id: int, limit: int = 500) -> list[Case]:
    """The department's cases a rule handed to the supervisors, oldest first."""
    return list(db.session.scalars(
        select(Case).where(Case.department_id == department_id, Case.status == CaseStatus.HOLD,
                           Case.hold_reason == ESCALATED)
        .order_by(Case.updated_at, Case.id).limit(limit)
    ))


def return_to_queue(case: Case, actor, now: datetime) -> bool:
    """Put a handed-over case back in the call queue now; False when it was not on hold for
    that reason (someone else returned it first)."""
    if case.status != CaseStatus.HOLD or case.hold_reason != ESCALATED:
        return False
    case.status = CaseStatus.OPEN
    case.hold_reason = None
    failures.back_to_call_queue(case, now)
    record(actor, "case.return_to_queue", "case", case.id, now, hold_reason=ESCALATED)
    return True


def rules_sending(template: SmsTemplate) -> list[EscalationRule]:
    """The active send_sms rules that send `template`."""
    return list(db.session.scalars(select(EscalationRule).where(
        EscalationRule.template_id == template.id, EscalationRule.active.is_(True),
        EscalationRule.action == Action.SEND_SMS).order_by(EscalationRule.id)))
