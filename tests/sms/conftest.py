"""SMS test fixtures: the fake Vonage over TLS (the app pointed at it), a settable clock, and
helpers to run RQ the way production does (a real SimpleWorker, RQ's own scheduler code)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from redis import Redis
from rq import Queue
from rq.registry import ScheduledJobRegistry
from rq.scheduler import RQScheduler
from sqlalchemy import select

from app.extensions import db
from app.queue import AppSimpleWorker
from app.sms import outbox
from app.sms.models import SmsMessage
from tests import factories as f
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL
from tests.sms.fake_vonage import FakeVonage

API_KEY, API_SECRET = "test-key", "test-secret"


@pytest.fixture
def fake_vonage(app, tmp_path, monkeypatch):
    """A running fake Vonage; the app sends through the real SDK to it (SMS_PROVIDER=vonage)."""
    fake = FakeVonage(tmp_path / "tls", api_key=API_KEY, api_secret=API_SECRET).start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", fake.ca_file)
    app.config.update(SMS_PROVIDER="vonage", VONAGE_API_KEY=API_KEY, VONAGE_API_SECRET=API_SECRET,
                      VONAGE_REST_HOST=fake.host, VONAGE_TIMEOUT_SECONDS=5)
    reset_provider(app)
    yield fake
    reset_provider(app)
    fake.stop()


def reset_provider(app) -> None:
    """Forget the built provider (closing its HTTP sessions) so the next send reads the config."""
    for provider in app.extensions.pop("sms_provider", {}).values():
        close = getattr(provider, "close", None)
        if close is not None:
            close()


@dataclass
class Clock:
    now: datetime

    def advance(self, **delta) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """app.clock.utcnow() answers `clock.now` (start: Monday 10:00 JST); tests move it."""
    state = Clock(f.WORKDAY_MORNING)
    monkeypatch.setattr("app.clock.utcnow", lambda: state.now)
    return state


def redis() -> Redis:
    return Redis.from_url(TEST_REDIS_URL)


def work(monkeypatch) -> None:
    """Run every job waiting on the sms queue with a real RQ worker, in this process (it runs
    in the test's app context, so the test's clock applies)."""
    monkeypatch.setenv("DATABASE_URL", TEST_DATABASE_URL)
    monkeypatch.setenv("REDIS_URL", TEST_REDIS_URL)
    connection = redis()
    try:
        AppSimpleWorker([outbox.SMS_QUEUE], connection=connection).work(burst=True)
    finally:
        connection.close()
        db.session.remove()


def release_scheduled() -> int:
    """What RQ's scheduler does each tick: move the delayed jobs whose time (real time; the
    tests' dates are in the past) has come onto their queue. Returns how many were waiting."""
    connection = redis()
    try:
        waiting = len(scheduled_jobs(connection))
        scheduler = RQScheduler([outbox.SMS_QUEUE], connection=connection)
        scheduler.prepare_registries([outbox.SMS_QUEUE])
        scheduler.enqueue_scheduled_jobs()
        return waiting
    finally:
        connection.close()


def scheduled_jobs(connection: Redis) -> dict[str, datetime]:
    """Job id -> the moment RQ's scheduler will enqueue it."""
    registry = ScheduledJobRegistry(queue=Queue(outbox.SMS_QUEUE, connection=connection))
    return {job_id: registry.get_scheduled_time(job_id) for job_id in registry.get_job_ids()}


def queued_job_ids() -> list[str]:
    connection = redis()
    try:
        return Queue(outbox.SMS_QUEUE, connection=connection).get_job_ids()
    finally:
        connection.close()


def make_message(case=None, text: str = "【税務課】お支払いのご確認をお願いします。048-555-0100",
                 key: str | None = None, now: datetime | None = None, dept=None):
    """A queued message (row committed, its send job enqueued after the commit)."""
    if case is None:
        case = f.case(dept or f.department("TAX"))
    phone = case.taxpayer.phones[0]
    message = outbox.queue_sms(case, phone, text, idempotency_key=key or f"test:{case.id}:{text[:20]}",
                               now=now or f.WORKDAY_MORNING)
    db.session.commit()
    return message.id


def open_all_day():
    """A department that may send SMS at any hour on any day (tests on the real clock)."""
    return f.department("TAX", sms_hours="00:00-24:00", calling_hours="00:00-24:00", rest_days="none")


def statuses(ids) -> dict[int, str]:
    """Message id -> status, read fresh (what the workers committed)."""
    db.session.rollback()
    rows = db.session.execute(select(SmsMessage.id, SmsMessage.status).where(SmsMessage.id.in_(ids)))
    return dict(rows.all())
