"""Every export of the report's figures is in the audit log: CSV, PDF, the archived PDF and
the JSON API (the same numbers, by machine); a refused request writes nothing."""

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.reports.archive import archive_previous_month
from app.reports.models import ArchivedReport
from tests import factories as f
from tests.reports import dataset
from tests.reports.helpers import bearer

PERIOD = {"from": "2026-11-01", "to": "2026-11-30", "department": "TAX"}


def audited() -> list[tuple[str, str | None]]:
    db.session.expire_all()
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action.in_(["report.export", "report.archive_download"])).order_by(AuditEvent.id))
    return [(e.action, e.details.get("format")) for e in events]


def test_every_export_writes_an_audit_row(client):
    data = dataset.build()
    headers = bearer(data.mgr)
    assert client.get("/reports/summary.csv", query_string=PERIOD, headers=headers).status_code == 200
    assert client.get("/reports/summary.pdf", query_string=PERIOD, headers=headers).status_code == 200
    assert client.get("/api/v1/reports/summary", query_string=PERIOD, headers=headers).status_code == 200
    archive_previous_month(f.WORKDAY_MORNING.replace(month=12, day=1))
    report_id = db.session.scalar(select(ArchivedReport.id).where(ArchivedReport.department_id.is_(None)))
    assert client.get(f"/reports/archive/{report_id}.pdf", headers=headers).status_code == 200
    assert audited() == [("report.export", "csv"), ("report.export", "pdf"), ("report.export", "json"),
                         ("report.archive_download", None)]
    [json_event] = db.session.scalars(select(AuditEvent).where(AuditEvent.details["format"].as_string()
                                                               == "json")).all()
    assert json_event.actor_id == data.mgr.id and json_event.details["department"] == "TAX"


def test_a_refused_api_export_is_not_audited(client):
    data = dataset.build()
    bad = {"from": "2026-11-30", "to": "2026-11-01"}
    api = "/api/v1/reports/summary"
    assert client.get(api, query_string=bad, headers=bearer(data.mgr)).status_code == 400
    assert client.get(api, query_string=PERIOD, headers=bearer(data.op1)).status_code == 403
    assert audited() == []
