"""/api/v1/reports/summary: the report's numbers as JSON (the same as the screen, CSV and PDF).

Managers and admins any department or all (no `department`); a supervisor their own (another
department's code is a 404, like an unknown one); operators 403. Bad dates or a period over
366 days: 400 with `{"error", "fields": {"from": [...], "to": [...]}}`.
"""

from flask import request
from flask_login import current_user

from app import clock
from app.api.errors import BadRequest, NotFound
from app.api.operations import Param, operation
from app.api.schemas import Report
from app.extensions import db
from app.reports import forms
from app.reports.exports import figures, record_export


@operation("GET", "/reports/summary", operation_id="reportSummary", tags=("reports",),
           roles=forms.READERS,
           summary="The report's figures (supervisors: own department; managers, admins: any or all).",
           params=(Param("from", "query", {"type": "string", "format": "date"}, required=True),
                   Param("to", "query", {"type": "string", "format": "date"}, required=True,
                         description="inclusive; at most 366 days after `from`"),
                   Param("department", "query", {"type": "string"},
                         description="a department code; none: all departments"),
                   Param("operator", "query", {"type": "string"},
                         description="an operator's login (calls and promises only)")),
           answers={200: Report}, errors=(400, 403, 404))
def report_summary():
    try:
        form, dept = forms.bind(current_user, request.args)
    except forms.DepartmentNotVisible:
        raise NotFound("department not found") from None
    if not form.validate():
        raise BadRequest("invalid report parameters", forms.field_errors(form))
    query = forms.query_of(form, dept)
    body = Report.model_validate(figures(query))
    # An export like the CSV and the PDF: audited the same way (format "json").
    record_export(current_user, query, "json", clock.utcnow())
    db.session.commit()
    return body
