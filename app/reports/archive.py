"""The monthly report archive: on or after the 1st (local), last month's PDF for every
department and one for all of them, kept in `archived_reports`.

The periodic job runs hourly (flask cron, or the in-process ticker of the demo) and only
makes what is missing, so it is idempotent and catches up after a stop. Several cron hosts
may run it at once: PostgreSQL's unique key stops a second row for a department, and an
advisory lock (the key does not cover the all-departments row, whose department is NULL)
serialises the check-and-insert.
"""

import logging
import zlib
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from app import clock
from app.auth.models import Department
from app.extensions import db
from app.reports.kpis import summary
from app.reports.models import ArchivedReport
from app.reports.pdf import render_pdf
from app.sql import is_postgres

log = logging.getLogger(__name__)
ARCHIVE_LANGUAGE = "ja"


def previous_month(today: date) -> tuple[date, date]:
    """The first and last day of the month before `today`'s."""
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def _exists(department_id: int | None, start: date, end: date) -> bool:
    return db.session.scalar(
        select(func.count()).select_from(ArchivedReport).where(
            ArchivedReport.department_id.is_(None) if department_id is None
            else ArchivedReport.department_id == department_id,
            ArchivedReport.period_start == start, ArchivedReport.period_end == end,
            ArchivedReport.language == ARCHIVE_LANGUAGE)
    ) > 0


def _lock(start: date) -> None:
    """Serialise archive inserts for one month across processes (PostgreSQL; released at commit)."""
    if is_postgres():
        key = zlib.crc32(f"archived-report:{start.isoformat()}".encode())
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def archive_previous_month(now: datetime) -> int:
    """Make the missing monthly PDFs for the month before `now`'s local month; returns how many
    were made. Each is committed on its own, so a crash halfway keeps what was done."""
    start, end = previous_month(now.astimezone(clock.local_zone()).date())
    scopes: list[int | None] = [None, *db.session.scalars(select(Department.id).order_by(Department.code))]
    made = 0
    for department_id in scopes:
        if _exists(department_id, start, end):
            continue
        pdf = render_pdf(summary(start, end, department_id, None), ARCHIVE_LANGUAGE, now)
        db.session.rollback()  # end the read transaction: the lock below waits in a fresh one
        _lock(start)
        if _exists(department_id, start, end):  # another process made it while we rendered
            db.session.rollback()
            continue
        db.session.add(ArchivedReport(department_id=department_id, period_start=start, period_end=end,
                                      language=ARCHIVE_LANGUAGE, kind="monthly", pdf=pdf, created_at=now))
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            continue
        made += 1
        log.info("archived the %s report for department %s", start.strftime("%Y-%m"), department_id)
    return made


def run_monthly_archive() -> int:
    """The periodic job (app.periodic): archive last month's reports if they are missing."""
    return archive_previous_month(clock.utcnow())
