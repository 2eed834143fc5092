"""Supervisors' screens: the department's escalation rules (with a dry run before saving)
and the cases the rules handed over. Managers see them read-only; operators get 403."""

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app import clock
from app.auth.access import can_edit, can_see_department, pick_department, roles_required, visible_departments
from app.auth.models import Department
from app.auth.permissions import CONFIG_EDITORS, CONFIG_READERS
from app.cases.models import Case
from app.escalation import editing
from app.escalation.forms import ACTION_LABELS, LANGUAGE_LABELS, SCOPE_LABELS, TRIGGER_LABELS, RuleForm
from app.escalation.models import EscalationRule
from app.escalation.rules import dry_run
from app.extensions import db
from app.sms.models import Disclosure
from app.sms.template_editing import templates_of
from app.sms.templates import disclosure_of

bp = Blueprint("escalation", __name__)


def init_app(app) -> None:
    app.register_blueprint(bp)


def _department_or_404() -> Department:
    dept = pick_department(current_user, request.args.get("department"))
    if dept is None:
        abort(404)
    return dept


@bp.get("/escalation/rules")
@roles_required(*CONFIG_READERS)
def rules():
    dept = _department_or_404()
    rows = db.session.scalars(select(EscalationRule).where(EscalationRule.department_id == dept.id)
                              .order_by(EscalationRule.id)).all()
    return render_template("escalation/rules.html", department=dept, rules=rows,
                           departments=visible_departments(current_user),
                           can_edit=can_edit(current_user, dept.id), triggers=TRIGGER_LABELS,
                           actions=ACTION_LABELS)


@bp.route("/escalation/rules/new", methods=["GET", "POST"])
@roles_required(*CONFIG_EDITORS)
def new_rule():
    dept = _department_or_404()
    return _editor(RuleForm(), dept, None)


@bp.route("/escalation/rules/<int:rule_id>", methods=["GET", "POST"])
@roles_required(*CONFIG_READERS)
def edit_rule(rule_id: int):
    rule = db.session.get(EscalationRule, rule_id)
    if rule is None or not can_see_department(current_user, rule.department_id):
        abort(404)
    if request.method == "POST" and not can_edit(current_user, rule.department_id):
        abort(403)
    return _editor(RuleForm(obj=rule), rule.department, rule)


def _editor(form: RuleForm, dept: Department, rule: EscalationRule | None):
    """Render the editor; on POST either check matches (the dry run) or save."""
    matches = checked = None
    if form.validate_on_submit():
        settings = form.settings(rule.id if rule else None)
        problems = editing.rule_problems(dept, settings)
        for name, problem in problems.items():
            form[name].errors.append(problem)
        if not problems and "check" in request.form:
            matches, checked = dry_run(dept, settings, clock.utcnow()), True
        elif not problems:
            now = clock.utcnow()
            if rule is None:
                rule = editing.create_rule(dept, settings, current_user, now)
            else:
                editing.update_rule(rule, settings, current_user, now)
            db.session.commit()
            flash(_("Rule saved."), "success")
            return redirect(url_for("escalation.rules", department=dept.code))
    elif request.method == "POST":
        form.form_errors.append(_("Please correct the marked fields."))
    return render_template(
        "escalation/rule.html", form=form, rule=rule, department=dept, matches=matches,
        checked=checked, can_edit=can_edit(current_user, dept.id),
        template_options={t.id: t.name + (" · " + _("personal") if disclosure_of(t.body_ja, t.body_en)
                                          == Disclosure.PERSONAL else "")
                          for t in templates_of(dept.id) if t.active or (rule and t.id == rule.template_id)},
        fallback_options={t.id: t.name for t in templates_of(dept.id)
                          if disclosure_of(t.body_ja, t.body_en) == Disclosure.GENERIC
                          and (t.active or (rule and t.id == rule.fallback_template_id))},
        triggers=TRIGGER_LABELS, actions=ACTION_LABELS, scopes=SCOPE_LABELS, languages=LANGUAGE_LABELS,
    )


@bp.post("/escalation/rules/check")
@roles_required(*CONFIG_READERS)
def check_rule():
    """The live count of the editor (JSON; the CSRF token comes in the X-CSRFToken header)."""
    dept = pick_department(current_user, request.form.get("department"))
    rule_id = request.form.get("rule_id", type=int)
    if dept is None:
        return jsonify(error="no such department"), 404
    rule = db.session.get(EscalationRule, rule_id) if rule_id else None
    if rule_id and (rule is None or rule.department_id != dept.id):
        return jsonify(error="no such rule"), 404
    form = RuleForm(meta={"csrf": False})  # CSRFProtect checked the header already
    if not form.validate():
        return jsonify(error="invalid", fields={k: [str(e) for e in v] for k, v in form.errors.items()}), 400
    settings = form.settings(rule_id)
    problems = editing.rule_problems(dept, settings)
    if problems:
        return jsonify(error="invalid", fields={k: [str(v)] for k, v in problems.items()}), 400
    return jsonify(matches=dry_run(dept, settings, clock.utcnow()))


@bp.get("/escalation/handed-over")
@roles_required(*CONFIG_READERS)
def handed_over():
    dept = _department_or_404()
    return render_template("escalation/handed_over.html", department=dept, cases=editing.handed_over(dept.id),
                           departments=visible_departments(current_user),
                           can_edit=can_edit(current_user, dept.id))


@bp.post("/escalation/handed-over/<int:case_id>/return")
@roles_required(*CONFIG_EDITORS)
def return_case(case_id: int):
    case = db.session.get(Case, case_id)
    if case is None or not can_edit(current_user, case.department_id):
        abort(404)
    if editing.return_to_queue(case, current_user, clock.utcnow()):
        db.session.commit()
        flash(_("%(ref)s is back in the call queue.", ref=case.case_ref), "success")
    else:
        flash(_("%(ref)s was not waiting for a supervisor.", ref=case.case_ref), "error")
    return redirect(url_for("escalation.handed_over", department=case.department.code))

