"""Supervisors' changes to SMS templates: validated, audited with what changed, flushed (the
caller commits). Who may edit is decided as for rules (app.auth.access.can_edit).

`template_problems` is THE validation: the editor's form and the JSON API both call it (the
form only parses what was typed), so the two can never disagree."""

from dataclasses import asdict, dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _
from sqlalchemy import select

from app import signals
from app.audit.services import apply_changes, record
from app.auth.models import Department
from app.extensions import db
from app.sms.models import Disclosure, SmsTemplate
from app.sms.templates import disclosure_of, template_errors

MAX_NAME = 100
MAX_BODY = 1000  # characters; a longer text would be a costly SMS of 15+ parts


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
    """What sends `template`, as its template or as its generic fallback (the active send_sms
    rules: `signals.template_users`)."""
    return [user for users in signals.answers(signals.template_users, template) for user in users]


def fallbacks_for(template: SmsTemplate) -> list[tuple]:
    """(rule, its generic fallback) of each active rule sending `template`: what a phone that
    is not verified gets instead of a personal template."""
    return [(r, r.fallback_template) for r in rules_using(template) if r.template_id == template.id]


def template_problems(dept: Department, s: TemplateSettings,
                      template: SmsTemplate | None = None) -> dict[str, list]:
    """What is wrong with `s` as a template of `dept` (empty when nothing)."""
    problems: dict[str, list] = {}
    name = s.name.strip() if isinstance(s.name, str) else ""
    if not name:
        problems["name"] = [_("Required.")]
    elif len(name) > MAX_NAME:
        problems["name"] = [_("At most %(n)d characters.", n=MAX_NAME)]
    else:
        clash = db.session.scalar(select(SmsTemplate.id).where(
            SmsTemplate.department_id == dept.id, SmsTemplate.name == name))
        if clash and (template is None or clash != template.id):
            problems["name"] = [_("The department has a template of this name already.")]
    for field in ("body_ja", "body_en"):
        body = getattr(s, field) or ""
        if len(body) > MAX_BODY:
            problems[field] = [_("At most %(n)d characters.", n=MAX_BODY)]
        elif field == "body_ja" or body.strip():
            errors = template_errors(body, dept)
            if errors:
                problems[field] = errors
    if template is not None:
        users = rules_using(template)
        if users and not s.active:
            problems["active"] = [_("Active rules send this template: %(rules)s. Change them first.",
                                    rules=", ".join(r.name for r in users))]
        if any(r.language == "en" for r in users) and not (s.body_en or "").strip():
            problems["body_en"] = [_("An active rule sends the English text: it is required.")]
        # A rule whose template is its own fallback (the defaults) included: made personal, the
        # template would leave the rule nothing for a phone that is not verified.
        as_fallback = [r for r in users if r.fallback_template_id == template.id]
        if as_fallback and disclosure_of(s.body_ja or "", s.body_en or "") == Disclosure.PERSONAL:
            problems.setdefault("body_ja", []).append(_(
                "Active rules send this template as their generic fallback (%(rules)s): it may not use "
                "{name}, {amount} or {due_date}.", rules=", ".join(r.name for r in as_fallback)))
    return problems


def settings_problems(s: TemplateSettings) -> dict[str, list]:
    """Values of the wrong type (from the JSON API: the form always gives text)."""
    problems = {}
    for name in ("name", "body_ja", "body_en"):
        if not isinstance(getattr(s, name), str):
            problems[name] = [_("Text is required.")]
    if not isinstance(s.active, bool):
        problems["active"] = [_("true or false.")]
    return problems


def _clean(s: TemplateSettings) -> dict:
    return {"name": s.name.strip(), "body_ja": s.body_ja.strip(), "body_en": (s.body_en or "").strip(),
            "active": bool(s.active)}


def create_template(dept: Department, s: TemplateSettings, actor, now: datetime) -> SmsTemplate:
    """A new template of `dept`; raises TemplateError."""
    problems = settings_problems(s) or template_problems(dept, s)
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
    problems = settings_problems(s) or template_problems(template.department, s, template)
    if problems:
        raise TemplateError(problems)
    changed = apply_changes(template, asdict(settings_of(template)), _clean(s))
    if changed:
        template.updated_at = now
        record(actor, "sms_template.update", "sms_template", template.id, now,
               department_id=template.department_id, changed=changed)
    return changed
