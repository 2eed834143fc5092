"""Supervisors' changes to SMS templates: validated, audited with what changed, flushed (the
caller commits). Who may edit is decided as for rules (app.auth.access.can_edit)."""

from dataclasses import asdict, dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _
from sqlalchemy import select

from app import signals
from app.audit.services import apply_changes, record
from app.auth.models import Department
from app.extensions import db
from app.sms.models import SmsTemplate
from app.sms.templates import template_errors


@dataclass
class TemplateSettings:
    name: str
    body_ja: str
    body_en: str = ""
    active: bool = True


class TemplateError(ValueError):
    """Settings that cannot be saved; `fields` maps a field name to a list of reasons."""

    def __init__(self, problems: dict[str, list]):
        super().__init__("; ".join(problems))
        self.fields = problems


def settings_of(template: SmsTemplate) -> TemplateSettings:
    return TemplateSettings(name=template.name, body_ja=template.body_ja, body_en=template.body_en or "",
                            active=template.active)


def templates_of(department_id: int) -> list[SmsTemplate]:
    return list(db.session.scalars(
        select(SmsTemplate).where(SmsTemplate.department_id == department_id).order_by(SmsTemplate.name)))


def rules_using(template: SmsTemplate) -> list:
    """What sends `template` (the active send_sms rules: `signals.template_users`)."""
    return [user for users in signals.answers(signals.template_users, template) for user in users]


def template_problems(dept: Department, s: TemplateSettings,
                      template: SmsTemplate | None = None) -> dict[str, list]:
    """What is wrong with `s` as a template of `dept` (empty when nothing)."""
    problems: dict[str, list] = {}
    name = (s.name or "").strip()
    if not name:
        problems["name"] = [_("Required.")]
    else:
        clash = db.session.scalar(select(SmsTemplate.id).where(
            SmsTemplate.department_id == dept.id, SmsTemplate.name == name))
        if clash and (template is None or clash != template.id):
            problems["name"] = [_("The department has a template of this name already.")]
    errors = template_errors(s.body_ja, dept)
    if errors:
        problems["body_ja"] = errors
    if (s.body_en or "").strip():
        errors = template_errors(s.body_en, dept)
        if errors:
            problems["body_en"] = errors
    if template is not None:
        users = rules_using(template)
        if users and not s.active:
            problems["active"] = [_("Active rules send this template: %(rules)s. Change them first.",
                                    rules=", ".join(r.name for r in users))]
        if any(r.language == "en" for r in users) and not (s.body_en or "").strip():
            problems["body_en"] = [_("An active rule sends the English text: it is required.")]
    return problems


def _clean(s: TemplateSettings) -> dict:
    return {"name": s.name.strip(), "body_ja": s.body_ja.strip(), "body_en": (s.body_en or "").strip(),
            "active": bool(s.active)}


def create_template(dept: Department, s: TemplateSettings, actor, now: datetime) -> SmsTemplate:
    """A new template of `dept`; raises TemplateError."""
    problems = template_problems(dept, s)
    if problems:
        raise TemplateError(problems)
    values = _clean(s)
    template = SmsTemplate(department_id=dept.id, created_at=now, updated_at=now, **values)
    db.session.add(template)
    db.session.flush()
    record(actor, "sms_template.create", "sms_template", template.id, now, department_id=dept.id,
           fields=values)
    return template


def update_template(template: SmsTemplate, s: TemplateSettings, actor, now: datetime) -> dict:
    """Change `template`; returns (and audits) {field: [before, after]}; raises TemplateError."""
    problems = template_problems(template.department, s, template)
    if problems:
        raise TemplateError(problems)
    changed = apply_changes(template, asdict(settings_of(template)), _clean(s))
    if changed:
        template.updated_at = now
        record(actor, "sms_template.update", "sms_template", template.id, now,
               department_id=template.department_id, changed=changed)
    return changed
