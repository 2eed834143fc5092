"""What every way out of a report shares (screen, CSV, PDF, JSON API): the figures of a
validated query, and the audit row an export leaves."""

from datetime import datetime

from app.audit.services import record
from app.reports.forms import ReportQuery
from app.reports.kpis import summary


def figures(query: ReportQuery) -> dict:
    """The report's KPIs for `query` (aggregated in SQL)."""
    return summary(query.start, query.end, query.department.id if query.department else None,
                   query.operator.id if query.operator else None)


def record_export(actor, query: ReportQuery, fmt: str, now: datetime, **extra) -> None:
    """Audit an export of `query` as `fmt` (csv, pdf, json) in the caller's transaction."""
    record(actor, "report.export", "report", None, now, format=fmt, **query.args(), **extra)
