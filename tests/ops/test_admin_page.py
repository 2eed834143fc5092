"""The admins' operations page: queue depths, failed RQ jobs (retry, discard: audited), SMS per
status, the last sweep; nobody else may see it."""

import re

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import select

from app import create_app
from app.audit.models import AuditEvent
from app.extensions import db
from app.periodic import sweep_lost_jobs
from app.queue import AppSimpleWorker
from tests import factories as f
from tests.conftest import TEST_REDIS_URL
from tests.conftest import test_config as config_for_tests
from tests.ops.jobs_for_tests import fail_unless_allowed

JOB = "tests.ops.jobs_for_tests.fail_unless_allowed"


@pytest.fixture
def connection(app):
    redis = Redis.from_url(TEST_REDIS_URL)
    yield redis
    redis.close()


@pytest.mark.parametrize("role", ["operator", "supervisor", "manager"])
def test_only_admins_see_the_page(client, role):
    dept = f.department("TAX")
    f.login(client, f.user("someone", role, dept if role != "manager" else None))
    assert client.get("/admin/ops").status_code == 403
    assert 'data-testid="ops-link"' not in client.get("/").get_data(as_text=True)


def test_anonymous_is_sent_to_login(client):
    response = client.get("/admin/ops")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admin_sees_queues_sms_counts_and_the_last_sweep(client, connection):
    dept = f.department("TAX")
    f.case(dept)
    admin = f.user("admin", "admin")
    Queue("sms", connection=connection).enqueue(fail_unless_allowed, "never")
    f.login(client, admin)
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="ops-link"' in home
    page = client.get("/admin/ops").get_data(as_text=True)
    assert re.search(r'data-testid="queue-sms"><td>sms</td><td class="num">1</td>', page)
    assert 'data-testid="sms-queued">0<' in page
    assert 'data-testid="sweep-never"' in page

    sweep_lost_jobs()
    page = client.get("/admin/ops").get_data(as_text=True)
    assert 'data-testid="sweep-at"' in page


def test_embedded_mode_says_there_is_no_redis_queue(app):
    embedded = create_app(config_for_tests(REDIS_URL=None))
    with embedded.app_context():
        f.user("admin", "admin")
        client = embedded.test_client()
        f.login(client, db.session.scalar(select(f.User).where(f.User.login == "admin")))
        response = client.get("/admin/ops")
        db.session.remove()
        db.engine.dispose()
    assert response.status_code == 200
    assert 'data-testid="no-redis"' in response.get_data(as_text=True)


def _fail_one_job(connection, key: str) -> str:
    job = Queue("default", connection=connection).enqueue(fail_unless_allowed, key)
    AppSimpleWorker(["default"], connection=connection).work(burst=True)
    assert job.id in Queue("default", connection=connection).failed_job_registry
    return job.id


def _post(client, path: str):
    token = f.csrf_from(client.get("/admin/ops").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token})


def _audits(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_retry_a_failed_job_runs_it_again(client, connection):
    key = "ops-test-retry"
    job_id = _fail_one_job(connection, key)  # the worker ends by removing the test's session
    admin = f.user("admin", "admin")
    admin_id = admin.id
    f.login(client, admin)
    page = client.get("/admin/ops").get_data(as_text=True)
    assert f'data-testid="failed-{job_id}"' in page and "failing on purpose" in page
    assert JOB in page

    connection.set(key, "1")  # the cause is fixed: the retry succeeds
    response = _post(client, f"/admin/ops/jobs/{job_id}/retry")
    assert response.status_code == 302
    assert job_id not in Queue("default", connection=connection).failed_job_registry
    AppSimpleWorker(["default"], connection=connection).work(burst=True)
    assert connection.get(f"{key}:done") == b"1"
    [event] = _audits("ops.job_retry")
    assert event.actor_id == admin_id and event.details == {"job_id": job_id, "queue": "default"}


def test_discard_a_failed_job_deletes_it(client, connection):
    job_id = _fail_one_job(connection, "ops-test-discard")
    f.login(client, f.user("admin", "admin"))
    assert _post(client, f"/admin/ops/jobs/{job_id}/discard").status_code == 302
    assert job_id not in Queue("default", connection=connection).failed_job_registry
    assert not connection.exists(f"rq:job:{job_id}")
    assert len(_audits("ops.job_discard")) == 1
    # Once more: it is gone, nothing happens and nothing is audited.
    response = _post(client, f"/admin/ops/jobs/{job_id}/discard")
    assert response.status_code == 302
    assert len(_audits("ops.job_discard")) == 1


def test_retry_needs_csrf_and_an_admin(client, connection):
    job_id = _fail_one_job(connection, "ops-test-csrf")
    dept = f.department("TAX")
    f.login(client, f.user("admin", "admin"))
    assert client.post(f"/admin/ops/jobs/{job_id}/retry").status_code == 400
    client.post("/logout", data={"csrf_token": f.csrf_from(client.get("/").get_data(as_text=True))})
    f.login(client, f.user("sup", "supervisor", dept))
    token = f.csrf_from(client.get("/").get_data(as_text=True))
    assert client.post(f"/admin/ops/jobs/{job_id}/retry", data={"csrf_token": token}).status_code == 403
    assert job_id in Queue("default", connection=connection).failed_job_registry
