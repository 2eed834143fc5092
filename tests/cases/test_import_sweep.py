"""A lost import job (Redis flushed, worker killed) is found by the sweep and finishes once."""

from datetime import timedelta

from redis import Redis
from sqlalchemy import func, select

from app import clock
from app.cases import jobs
from app.cases.models import Case, ImportJob
from app.extensions import db
from app.periodic import sweep_lost_jobs
from tests import factories as f
from tests.cases.import_files import csv_bytes, row
from tests.cases.test_import_api import work
from tests.conftest import TEST_REDIS_URL


def _queued_import(minutes_ago: int) -> int:
    manager = f.user("mgr", "manager")
    content = csv_bytes(row(), row(case_ref="C2", taxpayer_ref="T2"))
    job = jobs.queue_import(manager, "cases.csv", content, clock.utcnow())
    job.created_at = clock.utcnow() - timedelta(minutes=minutes_ago)
    db.session.commit()  # enqueues the RQ job
    return job.id


def test_sweep_recovers_an_import_whose_job_was_flushed(app, monkeypatch):
    f.department("TAX")
    import_id = _queued_import(minutes_ago=10)
    Redis.from_url(TEST_REDIS_URL).flushdb()  # the job is gone, the row is not

    assert sweep_lost_jobs() == {"imports": 1, "sms": 0}
    work(monkeypatch)

    db.session.expire_all()
    assert db.session.get(ImportJob, import_id).status == "done"
    assert db.session.scalar(select(func.count()).select_from(Case)) == 2
    assert sweep_lost_jobs() == {"imports": 0, "sms": 0}  # done: nothing more to do


def test_sweep_leaves_a_waiting_job_and_a_fresh_import_alone(app):
    f.department("TAX")
    _queued_import(minutes_ago=10)  # its RQ job is still queued
    assert sweep_lost_jobs() == {"imports": 0, "sms": 0}
    assert Redis.from_url(TEST_REDIS_URL).llen("rq:queue:imports") == 1


def test_sweep_command(runner):
    f.department("TAX")
    _queued_import(minutes_ago=10)
    Redis.from_url(TEST_REDIS_URL).flushdb()
    result = runner.invoke(args=["jobs", "sweep"])
    assert result.exit_code == 0, result.output
    assert "imports: 1 re-enqueued" in result.output
