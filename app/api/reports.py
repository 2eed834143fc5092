"""/api/v1/reports/summary: the report's numbers as JSON (the same as the screen, CSV and PDF).

`GET /api/v1/reports/summary?from=YYYY-MM-DD&to=YYYY-MM-DD[&department=CODE][&operator=LOGIN]`:
managers and admins any department or all (no `department`); a supervisor their own
(another department's code is a 404, like an unknown one); operators 403. Bad dates or a
period over 366 days: 400 with `{"error", "fields": {"from": [...], "to": [...]}}`.
"""

from flask import jsonify, request
from flask_login import current_user

from app import clock
from app.api.blueprint import bp
from app.auth.access import roles_required
from app.extensions import db
from app.reports import forms
from app.reports.exports import figures, record_export


@bp.get("/reports/summary")
@roles_required(*forms.READERS)
def report_summary():
    try:
        form, dept = forms.bind(current_user, request.args)
    except forms.DepartmentNotVisible:
        return jsonify(error="department not found"), 404
    if not form.validate():
        return jsonify(error="invalid report parameters", fields=forms.field_errors(form)), 400
    query = forms.query_of(form, dept)
    body = figures(query)
    # An export like the CSV and the PDF: audited the same way (format "json").
    record_export(current_user, query, "json", clock.utcnow())
    db.session.commit()
    return jsonify(body)
