"""Redis stops while operators work: every call is still logged (the request succeeds, the call
and its queued SMS are committed), and when Redis comes back, empty, the sweep hands the SMS to
the worker (RQ retries its connection; if it quit instead, it is restarted as systemd's
Restart=always does), and the worker's scheduler, killed by the outage, is back for the delayed
retry of a throttled send: each sent once, none lost."""

import pytest
from rq import Worker
from sqlalchemy import func, select

from app import clock
from app.calls.models import CallAttempt
from app.extensions import db
from app.sms.sweep import SETTLE, sweep_lost_sms
from tests import factories as f
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
from tests.sms.workers import Supervised, start_worker

pytestmark = pytest.mark.slow


def worker_idle(server) -> bool:
    connection = server.client()
    try:
        return any(w.get_state() == "idle" for w in Worker.all(connection=connection))
    finally:
        connection.close()


def calls_logged() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(CallAttempt))


def test_calls_are_logged_while_redis_is_down_and_their_sms_go_out_once_after(
        app, client, own_redis, fake_vonage, tmp_path):
    dept = round_the_clock()
    cases_with_mobiles(dept, 12)
    operators = [bearer(f.user(f"op{i}", "operator", dept), clock.utcnow()) for i in range(3)]
    worker = Supervised(lambda: start_worker(fake_vonage, tmp_path, "worker", 50, burst=False,
                                             redis_url=own_redis.url))

    def sent(count: int):
        return lambda: worker.up() and status_counts() == {"sent": count}

    try:
        for headers in operators:  # Redis up: each operator's SMS goes out at once
            assert work_next_case(client, headers) == [200, 201, 201]
        wait_until(sent(3), 180, "the first 3 SMS")
        # Crash while the worker waits for a job: RQ rides that out, but its scheduler dies.
        wait_until(lambda: worker_idle(own_redis), 120, "the worker to wait for work")
        own_redis.crash()
        for headers in operators * 2:  # every request succeeds without Redis
            assert work_next_case(client, headers) == [200, 201, 201]
        assert calls_logged() == 18
        assert status_counts() == {"sent": 3, "queued": 6}  # committed, their jobs never made
        assert len(fake_vonage.requests) == 3

        own_redis.start()  # back, and empty
        # The first send after it is throttled: its retry is a delayed job, which only RQ's
        # scheduler (a process the outage killed) moves; RQ alone restarts it 10 minutes later.
        fake_vonage.answer_next(1, "1", "Throttled")
        later = clock.utcnow() + SETTLE
        assert sweep_lost_sms(later) == 6  # what `flask cron` does a minute later
        wait_until(sent(9), 120, "the SMS logged during the outage")
        for headers in operators:  # and the worker works on
            assert work_next_case(client, headers) == [200, 201, 201]
        wait_until(sent(12), 120, "the SMS logged after it")
    finally:
        worker.stop()
    # How the throttled retry got moved (the worker's scheduler brought back at a heartbeat, or
    # the minute sweep's release_due_jobs when no live scheduler held the lock) depends on the
    # timing of the crash; what must hold is the above: every SMS went out, once.

    assert_each_sent_once(fake_vonage, messages())
    assert [r.outcome for r in fake_vonage.requests].count("throttled") == 1
    assert len(fake_vonage.requests) == 13  # 12 sent, one of them after a throttle
    assert_no_stuck_claims(clock.utcnow())
