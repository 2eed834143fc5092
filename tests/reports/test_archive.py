"""The monthly archive: last month's PDFs once the 1st has come, made once, browsable."""

import threading
from datetime import date

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import func, select

from app import clock
from app.audit.models import AuditEvent
from app.extensions import db
from app.queue import AppSimpleWorker
from app.reports.archive import archive_previous_month, previous_month, run_monthly_archive
from app.reports.models import ArchivedReport
from tests import factories as f
from tests.conftest import TEST_REDIS_URL
from tests.reports import dataset
from tests.reports.dataset import jst
from tests.reports.helpers import embedded_japanese_font, pdf_fonts, pdf_text


def archived() -> list[tuple]:
    rows = db.session.execute(
        select(ArchivedReport.department_id, ArchivedReport.period_start, ArchivedReport.period_end,
               ArchivedReport.language).order_by(ArchivedReport.department_id.nulls_first())
    ).all()
    return [tuple(r) for r in rows]


def test_previous_month():
    assert previous_month(date(2026, 11, 1)) == (date(2026, 10, 1), date(2026, 10, 31))
    assert previous_month(date(2026, 11, 30)) == (date(2026, 10, 1), date(2026, 10, 31))
    assert previous_month(date(2027, 1, 1)) == (date(2026, 12, 1), date(2026, 12, 31))
    assert previous_month(date(2028, 3, 15)) == (date(2028, 2, 1), date(2028, 2, 29))


def test_on_the_first_local_day_last_month_is_archived_once(app):
    data = dataset.build()
    # 00:30 on Dec 1 in Tokyo is still Nov 30 in UTC: the local day decides.
    now = jst(12, 1, 0, 30)
    assert archive_previous_month(now) == 3
    november = (date(2026, 11, 1), date(2026, 11, 30), "ja")
    assert archived() == [(None, *november), (data.tax.id, *november), (data.water.id, *november)]
    assert archive_previous_month(now) == 0
    assert archive_previous_month(jst(12, 20)) == 0  # later in the month: nothing new
    assert len(archived()) == 3

    tax = db.session.scalar(select(ArchivedReport).where(ArchivedReport.department_id == data.tax.id))
    assert tax.kind == "monthly" and tax.created_at == now
    text = pdf_text(tax.pdf)
    assert "税務課" in text and "2026-11-01" in text and "2026-11-30" in text
    assert embedded_japanese_font(pdf_fonts(tax.pdf))


def test_a_new_month_adds_its_reports(app):
    dataset.build()
    assert archive_previous_month(jst(11, 16)) == 3  # October
    assert archive_previous_month(jst(12, 1, 9)) == 3  # November
    months = sorted({row[1] for row in archived()})
    assert months == [date(2026, 10, 1), date(2026, 11, 1)]


def test_two_cron_hosts_at_once_make_each_report_once(app):
    dataset.build()
    now = jst(12, 1, 1)
    errors = []

    def run():
        try:
            with app.app_context():
                archive_previous_month(now)
                db.session.remove()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    # The all-departments row has department NULL, which the unique key does not cover.
    assert db.session.scalar(select(func.count()).select_from(ArchivedReport)) == 3
    assert len(set(archived())) == 3


def test_the_periodic_job_through_a_real_rq_worker(app, monkeypatch):
    dataset.build()
    monkeypatch.setattr(clock, "utcnow", lambda: jst(12, 1, 3))
    connection = Redis.from_url(TEST_REDIS_URL)
    Queue("default", connection=connection).enqueue(run_monthly_archive)
    assert AppSimpleWorker(["default"], connection=connection).work(burst=True)
    db.session.expire_all()
    assert len(archived()) == 3
    connection.close()


@pytest.fixture
def three_archived(app, monkeypatch):
    monkeypatch.setattr(clock, "utcnow", lambda: f.WORKDAY_MORNING)
    data = dataset.build()
    archive_previous_month(jst(12, 1, 3))
    reports = {r.department_id: r.id for r in db.session.scalars(select(ArchivedReport))}
    return data, reports


def test_manager_browses_and_downloads(client, three_archived):
    data, reports = three_archived
    f.login(client, data.mgr)
    page = client.get("/reports/archive", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "2026-11" in html
    assert all(f'data-testid="archived-{i}"' in html for i in reports.values())
    response = client.get(f"/reports/archive/{reports[None]}.pdf")
    assert response.status_code == 200 and response.get_data().startswith(b"%PDF")
    assert 'filename="report-ALL-2026-11.pdf"' in response.headers["Content-Disposition"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.archive_download"))
    assert event.actor_id == data.mgr.id and event.object_id == reports[None]
    assert client.get("/reports/archive/999999.pdf").status_code == 404


def test_supervisor_sees_only_their_departments_reports(client, three_archived):
    data, reports = three_archived
    f.login(client, data.sup)
    html = client.get("/reports/archive").get_data(as_text=True)
    assert f'data-testid="archived-{reports[data.tax.id]}"' in html
    assert f'data-testid="archived-{reports[data.water.id]}"' not in html
    assert f'data-testid="archived-{reports[None]}"' not in html
    assert client.get(f"/reports/archive/{reports[data.tax.id]}.pdf").status_code == 200
    assert client.get(f"/reports/archive/{reports[data.water.id]}.pdf").status_code == 404
    assert client.get(f"/reports/archive/{reports[None]}.pdf").status_code == 404


def test_operator_may_not_browse(client, three_archived):
    data, reports = three_archived
    f.login(client, data.op1)
    assert client.get("/reports/archive").status_code == 403
    assert client.get(f"/reports/archive/{reports[data.tax.id]}.pdf").status_code == 403
