"""Redis stops while operators work: every call is still logged (the request succeeds, the call
and its queued SMS are committed), and when Redis comes back, empty, the sweep hands the SMS to
the worker (RQ retries its connection; if it quit instead, it is restarted as systemd's
Restart=always does): each sent once, none lost."""

import pytest
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
from tests.sms.workers import start_worker, stop

pytestmark = pytest.mark.slow


def calls_logged() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(CallAttempt))


def test_calls_are_logged_while_redis_is_down_and_their_sms_go_out_once_after(
        app, client, own_redis, fake_vonage, tmp_path):
    dept = round_the_clock()
    cases_with_mobiles(dept, 12)
    operators = [bearer(f.user(f"op{i}", "operator", dept), clock.utcnow()) for i in range(3)]
    def new_worker():
        return start_worker(fake_vonage, tmp_path, "worker", 50, burst=False, redis_url=own_redis.url)

    worker = new_worker()
    try:
        for headers in operators:  # Redis up: each operator's SMS goes out at once
            assert work_next_case(client, headers) == [200, 201, 201]
        wait_until(lambda: status_counts() == {"sent": 3}, 30, "the first 3 SMS")

        own_redis.crash()
        for headers in operators * 2:  # every request succeeds without Redis
            assert work_next_case(client, headers) == [200, 201, 201]
        assert calls_logged() == 18
        assert status_counts() == {"sent": 3, "queued": 6}  # committed, their jobs never made
        assert len(fake_vonage.requests) == 3

        own_redis.start()  # back, and empty
        if worker.poll() is not None:  # RQ may quit on a Redis error outside its dequeue loop:
            worker = new_worker()  # as systemd's Restart=always does
        later = clock.utcnow() + SETTLE
        assert sweep_lost_sms(later) == 6  # what `flask cron` does a minute later
        wait_until(lambda: status_counts() == {"sent": 9}, 60, "the SMS logged during the outage")
        for headers in operators:  # and the worker works on
            assert work_next_case(client, headers) == [200, 201, 201]
        wait_until(lambda: status_counts() == {"sent": 12}, 30, "the SMS logged after it")
    finally:
        stop([worker])

    assert_each_sent_once(fake_vonage, messages())
    assert len(fake_vonage.requests) == 12
    assert_no_stuck_claims(clock.utcnow())
