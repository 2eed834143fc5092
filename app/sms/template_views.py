"""The SMS template editor: per department, a Japanese and an English text, with the live
character count, encoding, segments and cost of each (one Python function, `preview`,
behind a JSON endpoint for the editor's script and on every server-side render)."""

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import clock
from app.auth.access import can_edit, can_see_department, pick_department, roles_required, visible_departments
from app.auth.permissions import CONFIG_EDITORS as EDITORS
from app.auth.permissions import CONFIG_READERS as READERS
from app.extensions import db
from app.sms.default_texts import edited_default
from app.sms.disclosure import body_of
from app.sms.models import SmsTemplate
from app.sms.template_editing import (
    TemplateError,
    create_template,
    fallbacks_for,
    rules_using,
    templates_of,
    update_template,
)
from app.sms.template_forms import MAX_BODY, TemplateForm
from app.sms.templates import (
    LANGUAGES,
    PERSONAL_PLACEHOLDERS,
    PLACEHOLDERS,
    disclosure_of,
    personal_fields,
    preview,
)

bp = Blueprint("sms_templates", __name__)


def init_app(app) -> None:
    app.register_blueprint(bp)


@bp.get("/sms/templates")
@roles_required(*READERS)
def index():
    dept = pick_department(current_user, request.args.get("department"))
    if dept is None:
        abort(404)
    return render_template("sms/templates.html", department=dept, templates=templates_of(dept.id),
                           departments=visible_departments(current_user),
                           can_edit=can_edit(current_user, dept.id))


@bp.route("/sms/templates/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new():
    dept = pick_department(current_user, request.args.get("department"))
    if dept is None:
        abort(404)
    return _editor(TemplateForm(), dept, None)


@bp.route("/sms/templates/<int:template_id>", methods=["GET", "POST"])
@roles_required(*READERS)
def edit(template_id: int):
    template = db.session.get(SmsTemplate, template_id)
    if template is None or not can_see_department(current_user, template.department_id):
        abort(404)
    if request.method == "POST" and not can_edit(current_user, template.department_id):
        abort(403)
    return _editor(TemplateForm(obj=template), template.department, template)


def _editor(form: TemplateForm, dept, template: SmsTemplate | None):
    if form.validate_on_submit():
        now = clock.utcnow()
        try:
            if template is None:
                template = create_template(dept, form.settings(), current_user, now)
            else:
                update_template(template, form.settings(), current_user, now)
        except TemplateError as exc:
            db.session.rollback()
            for name, problems in exc.fields.items():
                form[name].errors = list(form[name].errors) + list(problems)
        else:
            db.session.commit()
            flash(_("Template saved."), "success")
            return redirect(url_for("sms_templates.edit", template_id=template.id))
    if request.method == "POST" and form.errors:
        form.form_errors.append(_("Please correct the marked fields."))
    previews = {lang: preview(form[f"body_{lang}"].data or "", dept, lang) for lang in LANGUAGES}
    fallbacks = [(rule, fallback, preview(body_of(fallback, rule.language), dept, rule.language)["text"])
                 for rule, fallback in (fallbacks_for(template) if template else [])]
    return render_template(
        "sms/template.html", form=form, template=template, department=dept, previews=previews,
        placeholders=PLACEHOLDERS, personal_placeholders=PERSONAL_PLACEHOLDERS,
        can_edit=can_edit(current_user, dept.id), max_body=MAX_BODY,
        used_by=rules_using(template) if template else [],
        disclosure=disclosure_of(form.body_ja.data or "", form.body_en.data or ""),
        personal=personal_fields((form.body_ja.data or "") + (form.body_en.data or "")),
        fallbacks=fallbacks, verified_days=current_app.config["VERIFIED_PHONE_DAYS"],
        edited_default=template is not None and edited_default(template),
    )


@bp.post("/sms/templates/preview")
@roles_required(*READERS)
def preview_json():
    """{body, language, department} -> preview(...) as JSON (CSRF token in X-CSRFToken)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify(error="expected a JSON object"), 400
    body, language, code = data.get("body", ""), data.get("language", "ja"), data.get("department")
    if not isinstance(body, str) or language not in LANGUAGES or not isinstance(code, str):
        return jsonify(error="body (text), language (ja or en) and department (code) are required"), 400
    if len(body) > MAX_BODY * 2:
        return jsonify(error="body too long"), 413
    dept = pick_department(current_user, code)
    if dept is None:
        return jsonify(error="no such department"), 404
    return jsonify(preview(body, dept, language))
