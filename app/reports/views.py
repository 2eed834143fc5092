"""The revenue department's report screen, its CSV and PDF, and the monthly archive.

Managers and admins read any department or all; supervisors their own (another department's
code is a 404, as an unknown one); operators get 403. Every export is audited.
"""

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from app import clock
from app.audit.services import record
from app.auth.access import ALL_DEPARTMENTS, roles_required
from app.extensions import db
from app.reports import forms
from app.reports.charts import outcomes_svg, payments_svg, trend_svg
from app.reports.csv_export import render_csv
from app.reports.exports import figures, record_export
from app.reports.kpi_table import GENERAL_NOTES, display, table
from app.reports.models import ArchivedReport
from app.reports.pdf import LANGUAGES, render_pdf

bp = Blueprint("reports", __name__)


def init_app(app) -> None:
    app.add_template_filter(display, "kpi")
    app.register_blueprint(bp)


def _today():
    return clock.utcnow().astimezone(clock.local_zone()).date()


def _bound_form(args):
    try:
        return forms.bind(current_user, args)
    except forms.DepartmentNotVisible:
        abort(404)


def _query_or_400() -> forms.ReportQuery:
    """The report the query string asks for (from and to required); 400 with the reasons if bad."""
    form, dept = _bound_form(request.args)
    if not form.validate():
        errors = forms.field_errors(form).items()
        abort(400, description="; ".join(f"{name}: {' '.join(problems)}" for name, problems in errors))
    return forms.query_of(form, dept)


def _audit_export(query: forms.ReportQuery, fmt: str, now, **extra) -> None:
    record_export(current_user, query, fmt, now, **extra)
    db.session.commit()


@bp.get("/reports")
@roles_required(*forms.READERS)
def screen():
    args = request.args.copy()
    today = _today()
    args.setdefault("from", today.replace(day=1).isoformat())
    args.setdefault("to", today.isoformat())
    form, dept = _bound_form(args)
    if not form.validate():
        return render_template("reports/screen.html", form=form, result=None), 400
    query = forms.query_of(form, dept)
    result = figures(query)
    rows, notes = table(result)
    return render_template(
        "reports/screen.html", form=form, result=result, rows=rows, notes=notes,
        general_notes=GENERAL_NOTES, trend_svg=trend_svg(result, width=700, height=330),
        payments_svg=payments_svg(result, width=700, height=260),
        outcomes_svg=outcomes_svg(result, width=440, height=280),
        export_args=query.args(), languages=LANGUAGES,
    )


@bp.get("/reports/summary.csv")
@roles_required(*forms.READERS)
def summary_csv():
    query = _query_or_400()
    now = clock.utcnow()
    body = render_csv(figures(query), now)
    _audit_export(query, "csv", now)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{query.filename("csv")}"'})


@bp.get("/reports/summary.pdf")
@roles_required(*forms.READERS)
def summary_pdf():
    language = request.args.get("lang", "ja")
    if language not in LANGUAGES:
        abort(400, description="lang: ja or en")
    query = _query_or_400()
    now = clock.utcnow()
    pdf = render_pdf(figures(query), language, now)
    _audit_export(query, "pdf", now, language=language)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{query.filename("pdf")}"'})


def _visible_archive():
    stmt = select(ArchivedReport).order_by(ArchivedReport.period_start.desc(), ArchivedReport.department_id)
    if current_user.role not in ALL_DEPARTMENTS:
        stmt = stmt.where(ArchivedReport.department_id == current_user.department_id)
    return stmt


@bp.get("/reports/archive")
@roles_required(*forms.READERS)
def archive():
    reports = db.session.scalars(_visible_archive().limit(500)).all()
    return render_template("reports/archive.html", reports=reports)


@bp.get("/reports/archive/<int:report_id>.pdf")
@roles_required(*forms.READERS)
def archived_pdf(report_id: int):
    report = db.session.scalar(_visible_archive().where(ArchivedReport.id == report_id))
    if report is None:
        abort(404)
    record(current_user, "report.archive_download", "archived_report", report.id, clock.utcnow())
    db.session.commit()
    scope = report.department.code if report.department else "ALL"
    name = f"report-{scope}-{report.period_start:%Y-%m}.pdf"
    return Response(report.pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})

