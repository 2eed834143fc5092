"""/api/v1/templates and /api/v1/rules: a department's SMS templates and escalation rules, for
a city's IT that keeps its configuration in files and scripts.

The checks are the editors' own (app.sms.template_editing.template_problems,
app.escalation.editing.rule_problems): a value the editor refuses is a 422 here with the same
reasons in `fields` (in English); every change is audited by the same services. Supervisors
read and change their own department's, admins any department's, managers read any; others
get 403. PATCH changes only the fields sent; `id`, `department` (and a template's
`disclosure`) are read-only and may be sent back unchanged; an unknown key is a 422.
"""

from dataclasses import replace

from flask import request
from flask_babel import force_locale
from flask_login import current_user
from sqlalchemy import select

from app import clock
from app.api.errors import BadRequest, Forbidden, NotFound, Unprocessable
from app.api.operations import Param, operation
from app.api.schemas.configuration import (
    CODE,
    Rule,
    RuleCreate,
    RulePatch,
    Template,
    TemplateCreate,
    TemplatePatch,
)
from app.auth.access import can_edit, visible_departments
from app.auth.departments import department_by_code
from app.auth.permissions import CONFIG_EDITORS, CONFIG_READERS
from app.escalation import editing
from app.escalation.models import ACTION_ALIASES, EscalationRule
from app.extensions import db
from app.sms import template_editing
from app.sms.models import SmsTemplate
from app.sms.templates import disclosure_of

TEMPLATE_FIELDS = ("name", "body_ja", "body_en", "active")
RULE_FIELDS = ("name", "trigger", "count", "window_days", "phone_scope", "action", "template_id",
               "fallback_template_id", "language", "priority_boost", "delay_minutes", "active")
READ_ONLY = ("id", "department", "disclosure")
WHO = "Supervisors (own department) and admins (any); managers may read; others get 403."
DEPARTMENT = Param("department", "query", CODE, description="a department code; default: your own")


def template_shape(t: SmsTemplate) -> Template:
    return Template.model_validate({
        "id": t.id, "department": t.department.code, "name": t.name, "body_ja": t.body_ja,
        "body_en": t.body_en or "", "disclosure": disclosure_of(t.body_ja, t.body_en or ""),
        "active": t.active})


def rule_shape(r: EscalationRule) -> Rule:
    return Rule.of_row(r, department=r.department.code)


def _department(code, *, write: bool):
    """The department the caller may read (or change); ApiError otherwise."""
    if code is None:
        if current_user.department is None:
            raise BadRequest("the department parameter is required", {"department": "required"})
        return current_user.department
    if not isinstance(code, str) or not code:
        raise Unprocessable("department must be a department code", {"department": "a department code"})
    dept = department_by_code(code)
    if dept is None:
        raise NotFound("no such department", {"department": "unknown"})
    allowed = can_edit(current_user, dept.id) if write else any(
        d.id == dept.id for d in visible_departments(current_user))
    if not allowed:
        raise Forbidden("not your department")
    return dept


def _sent(body, fields: tuple, current: dict | None) -> dict:
    """The settable fields sent; an unknown key, or a read-only one that differs, is a 422."""
    problems = {key: "unknown field" for key in (body.model_extra or {})}
    for key in READ_ONLY:
        if key in body.model_fields_set and key in type(body).model_fields and current is not None \
                and current.get(key) != getattr(body, key):
            problems[key] = "read-only"
    if problems:
        raise Unprocessable("invalid request body", problems)
    return {key: getattr(body, key) for key in fields if key in body.model_fields_set}


def _refused(what: str, problems: dict) -> Unprocessable:
    """The editors' reasons, in English like every error of the API."""
    with force_locale("en"):
        fields = {k: [str(m) for m in v] if isinstance(v, list) else str(v) for k, v in problems.items()}
    return Unprocessable(f"invalid {what}", fields)


def _saved(what: str, error: type[Exception], change):
    """Run `change` (an editor's service) and commit; its `error` rolls back and becomes a 422
    naming the fields, in English."""
    try:
        result = change()
    except error as exc:
        db.session.rollback()
        raise _refused(what, exc.fields) from None
    db.session.commit()
    return result


# --- templates ------------------------------------------------------------------------------

@operation("GET", "/templates", operation_id="listTemplates", tags=("configuration",), roles=CONFIG_READERS,
           summary="A department's SMS templates.", description=WHO, params=(DEPARTMENT,),
           answers={200: list[Template]}, errors=(403, 404, 422))
def list_templates():
    dept = _department(request.args.get("department"), write=False)
    return [template_shape(t) for t in template_editing.templates_of(dept.id)]


def _editable(model, row_id: int, what: str):
    """The row (else 404) if the caller may change its department's configuration (else 403)."""
    row = db.session.get(model, row_id)
    if row is None:
        raise NotFound(f"{what} not found")
    if not can_edit(current_user, row.department_id):
        raise Forbidden("not your department")
    return row


@operation("POST", "/templates", operation_id="createTemplate", tags=("configuration",),
           roles=CONFIG_EDITORS, summary="Create a template (the editor's checks, audited).",
           description=WHO, body=TemplateCreate, answers={201: Template}, errors=(400, 403, 404, 422))
def create_template(body: TemplateCreate):
    dept = _department(body.department, write=True)
    values = _sent(body, TEMPLATE_FIELDS, None)
    settings = template_editing.TemplateSettings(**{"name": None, "body_ja": None, "body_en": "",
                                                    "active": True, **values})
    template = _saved("template", template_editing.TemplateError,
                      lambda: template_editing.create_template(dept, settings, current_user, clock.utcnow()))
    return template_shape(template), 201


@operation("PATCH", "/templates/<int:template_id>", operation_id="patchTemplate", tags=("configuration",),
           roles=CONFIG_EDITORS, summary="Change a template (the fields sent).", description=WHO,
           body=TemplatePatch, answers={200: Template}, errors=(400, 403, 404, 422))
def patch_template(template_id: int, body: TemplatePatch):
    template = _editable(SmsTemplate, template_id, "template")
    values = _sent(body, TEMPLATE_FIELDS, template_shape(template).model_dump(mode="json"))
    settings = replace(template_editing.settings_of(template), **values)
    _saved("template", template_editing.TemplateError,
           lambda: template_editing.update_template(template, settings, current_user, clock.utcnow()))
    return template_shape(template), 200


# --- rules ------------------------------------------------------------------------------------

@operation("GET", "/rules", operation_id="listRules", tags=("configuration",), roles=CONFIG_READERS,
           summary="A department's escalation rules.", description=WHO, params=(DEPARTMENT,),
           answers={200: list[Rule]}, errors=(403, 404, 422))
def list_rules():
    dept = _department(request.args.get("department"), write=False)
    rules = db.session.scalars(select(EscalationRule).where(EscalationRule.department_id == dept.id)
                               .order_by(EscalationRule.id))
    return [rule_shape(r) for r in rules]


def _rule_values(values: dict) -> dict:
    if isinstance(values.get("action"), str):
        values["action"] = ACTION_ALIASES.get(values["action"], values["action"])
    return values


@operation("POST", "/rules", operation_id="createRule", tags=("configuration",), roles=CONFIG_EDITORS,
           summary="Create a rule (the editor's checks and defaults, audited).", description=WHO,
           body=RuleCreate, answers={201: Rule}, errors=(400, 403, 404, 422))
def create_rule(body: RuleCreate):
    dept = _department(body.department, write=True)
    values = _rule_values(_sent(body, RULE_FIELDS, None))
    # The editor's defaults for what is not sent (app.escalation.forms.RuleForm).
    settings = editing.RuleSettings(name=None, trigger="unanswered_calls", count=2, window_days=14,
                                    phone_scope="mobile", action="send_sms", template_id=None)
    settings = replace(settings, **values)
    rule = _saved("rule", editing.RuleError,
                  lambda: editing.create_rule(dept, settings, current_user, clock.utcnow()))
    return rule_shape(rule), 201


@operation("PATCH", "/rules/<int:rule_id>", operation_id="patchRule", tags=("configuration",),
           roles=CONFIG_EDITORS, summary="Change a rule (the fields sent).", description=WHO,
           body=RulePatch, answers={200: Rule}, errors=(400, 403, 404, 422))
def patch_rule(rule_id: int, body: RulePatch):
    rule = _editable(EscalationRule, rule_id, "rule")
    values = _rule_values(_sent(body, RULE_FIELDS, rule_shape(rule).model_dump(mode="json")))
    settings = replace(editing.settings_of(rule), **values)
    _saved("rule", editing.RuleError,
           lambda: editing.update_rule(rule, settings, current_user, clock.utcnow()))
    return rule_shape(rule), 200
