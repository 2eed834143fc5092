"""Supervisors' changes to escalation rules and to the cases rules handed over: validated,
audited with what changed, flushed (the caller commits).

`rule_problems` is THE validation of a rule: the editor's form (which only parses what was
typed) and the JSON API both call it.

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
from app.ids import is_id
from app.sms import failures
from app.sms.models import Disclosure, SmsTemplate
from app.sms.templates import LANGUAGES, disclosure_of, template_errors

MAX_NAME = 100
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
    fallback_template_id: int | None = None  # the generic text for a phone not verified
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
    name = s.name.strip() if isinstance(s.name, str) else ""
    if not name:
        problems["name"] = _("Required.")
    elif len(name) > MAX_NAME:
        problems["name"] = _("At most %(n)d characters.", n=MAX_NAME)
    for field, kind in (("trigger", Trigger), ("action", Action), ("phone_scope", PhoneScope)):
        if not isinstance(getattr(s, field), str) or getattr(s, field) not in set(kind):
            problems[field] = _("Not a valid choice.")
    if not isinstance(s.language, str) or s.language not in LANGUAGES:
        problems["language"] = _("Not a valid choice.")
    for field, (low, high) in LIMITS.items():
        value = getattr(s, field)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            problems[field] = _("Between %(low)d and %(high)d.", low=low, high=high)
    if not isinstance(s.active, bool):
        problems["active"] = _("true or false.")
    if s.action == Action.SEND_SMS:
        problem = _template_problem(dept, s.template_id, s.language)
        if problem is not None:
            problems["template_id"] = problem
        problem = _fallback_problem(dept, s, template_ok=problem is None)
        if problem is not None:
            problems["fallback_template_id"] = problem
    elif s.delay_minutes:
        problems["delay_minutes"] = _("Only an SMS can be delayed.")
    if s.action == Action.RAISE_PRIORITY and not s.priority_boost:
        problems["priority_boost"] = _("Give the number of points to add.")
    return problems


def _department_template(dept: Department, template_id) -> SmsTemplate | None:
    template = db.session.get(SmsTemplate, template_id) if is_id(template_id) else None
    return template if template is not None and template.department_id == dept.id else None


def _fallback_problem(dept: Department, s: RuleSettings, template_ok: bool) -> str | None:
    """The generic fallback: required when the template is personal; generic, active and with
    text in the rule's language when given."""
    personal = template_ok and disclosure_of(
        _body(_department_template(dept, s.template_id), s.language)) == Disclosure.PERSONAL
    if s.fallback_template_id is None:
        return _("The template is personal ({name}, {amount} or {due_date}): choose the generic "
                 "template sent instead to a phone not verified.") if personal else None
    problem = _template_problem(dept, s.fallback_template_id, s.language)
    if problem is not None:
        return problem
    fallback = _department_template(dept, s.fallback_template_id)
    if disclosure_of(_body(fallback, s.language)) != Disclosure.GENERIC:
        return _("The fallback must be generic: no {name}, {amount} or {due_date}.")
    return None


def _body(template: SmsTemplate | None, language: str) -> str:
    if template is None:
        return ""
    return (template.body_en if language == "en" else template.body_ja) or ""


def _template_problem(dept: Department, template_id: int | None, language: str) -> str | None:
    template = _department_template(dept, template_id)
    if template is None:
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
        values["fallback_template_id"] = None
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
    """The active send_sms rules that send `template`, as their template or as their generic
    fallback (`signals.template_users`)."""
    return list(db.session.scalars(select(EscalationRule).where(
        (EscalationRule.template_id == template.id) | (EscalationRule.fallback_template_id == template.id),
        EscalationRule.active.is_(True), EscalationRule.action == Action.SEND_SMS)
        .order_by(EscalationRule.id)))
