"""PostgreSQL restarted under load, on a private cluster (initdb, its own port; the shared
server is left alone): operators keep claiming cases and logging calls from three threads and
two `flask worker`s keep sending while the server goes down for a moment. Requests during the
outage fail (a 5xx, never a half-written call), the app and the workers reconnect by themselves
(pool_pre_ping; a fresh connection per job), every SMS is sent once or marked with a reason, and
no case is left claimed."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from app import clock, create_app
from app.calls.models import CallAttempt
from app.extensions import db
from app.sms.models import SmsMessage
from app.sms.sweep import SETTLE, sweep_lost_sms
from tests import factories as f
from tests.conftest import IsolatedClient
from tests.conftest import test_config as config_for_tests
from tests.faults.helpers import (
    assert_each_sent_once,
    assert_no_stuck_claims,
    bearer,
    cases_with_mobiles,
    messages,
    round_the_clock,
    status_counts,
    wait_until,
    work_next_case,
)
from tests.faults.postgres_cluster import PostgresCluster, available
from tests.faults.redis_server import RedisServer
from tests.sms.conftest import API_KEY, API_SECRET
from tests.sms.fake_vonage import FakeVonage
from tests.sms.workers import start_worker, stop

pytestmark = pytest.mark.slow
OPERATORS, CASES = 3, 60


@pytest.fixture
def cluster():
    if (why := available()) is not None:
        pytest.skip(f"no private PostgreSQL cluster: {why}")
    cluster = PostgresCluster().start()
    yield cluster
    cluster.destroy()


@pytest.fixture
def cluster_app(cluster, tmp_path):
    """The app on the private cluster (migrated) and a private Redis; errors become 500s as in
    production (not exceptions raised into the test)."""
    redis = RedisServer(tmp_path / "redis").start()
    app = create_app(config_for_tests(
        SQLALCHEMY_DATABASE_URI=cluster.url().replace("postgresql://", "postgresql+psycopg://"),
        REDIS_URL=redis.url, PROPAGATE_EXCEPTIONS=False))
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
        yield app, redis
        db.session.remove()
        db.engine.dispose()
    redis.crash()


def operator(app, headers: dict, stop_event: threading.Event, codes: Counter) -> None:
    client = app.test_client()
    while not stop_event.is_set():
        result = work_next_case(client, headers)
        codes.update(result)
        if result == [204] or 503 in result:  # nothing to do, or "try again in a moment"
            stop_event.wait(0.05)


def one_sms_per_streak() -> tuple[int, int]:
    """(cases with two unanswered calls, their messages); a case never has two messages."""
    db.session.rollback()
    calls = Counter(db.session.scalars(select(CallAttempt.case_id)))
    sms = Counter(db.session.scalars(select(SmsMessage.case_id)))
    assert max(sms.values(), default=1) == 1, sms
    assert all(calls[case_id] >= 2 for case_id in sms), "an SMS without its two calls"
    return sum(1 for n in calls.values() if n >= 2), len(sms)


def test_postgres_restart_under_load_loses_nothing_and_sends_nothing_twice(cluster, cluster_app, tmp_path):
    app, redis = cluster_app
    dept = round_the_clock()
    cases_with_mobiles(dept, CASES)
    tokens = [bearer(f.user(f"op{i}", "operator", dept), clock.utcnow()) for i in range(OPERATORS)]
    codes, stop_event = Counter(), threading.Event()
    with FakeVonage(tmp_path / "tls", api_key=API_KEY, api_secret=API_SECRET) as fake:
        env = {"redis_url": redis.url, "database_url": cluster.url()}
        workers = [start_worker(fake, tmp_path, f"w{i}", 50, burst=False, **env) for i in range(2)]
        threads = [threading.Thread(target=operator, args=(app, h, stop_event, codes)) for h in tokens]
        try:
            for thread in threads:
                thread.start()
            wait_until(lambda: len(fake.accepted()) >= 5, 180, "the first SMS")
            cluster.restart(down_seconds=1.5)
            after_restart = len(fake.accepted())
            wait_until(lambda: len(fake.accepted()) >= after_restart + 5 or codes[204] > 20,
                       180, "sending to go on after the restart")
        finally:
            stop_event.set()
            for thread in threads:
                thread.join(30)
        try:
            assert codes[503] > 0, codes  # the outage was felt
            assert set(codes) <= {200, 201, 204, 503}, codes  # a 503 with Retry-After, never a 500
            db.engine.dispose()  # the test's own pool: its connections died with the server
            streaks, sent = one_sms_per_streak()
            assert streaks == sent > 0
            sweep_lost_sms(clock.utcnow() + SETTLE)  # re-enqueues what jobs failed in the outage
            wait_until(lambda: "queued" not in status_counts(), 180, "the sends")
            assert all(w.poll() is None for w in workers)  # the workers rode it out
        finally:
            stop(workers)  # warm: the sends in hand finish; what is still `sending` was cut
        sweep_lost_sms(clock.utcnow() + timedelta(minutes=11))  # cut sends become `unknown`
        final = messages()
        assert_each_sent_once(fake, final)
        assert {m.status for m in final} <= {"sent", "unknown"}, status_counts()
        assert_no_stuck_claims(clock.utcnow())
        client = app.test_client()  # and the next operator action just works
        assert work_next_case(client, tokens[0], outcomes=("answered",)) in ([200, 201], [204])
