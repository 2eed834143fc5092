"""Dispatch with real worker processes (`flask worker --burst`, forking RQ workers with their
scheduler, as in production): the rate limit holds across two of them, and a worker killed
mid-send plus a flushed Redis lose nothing and send nothing twice."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.sms.models import SmsMessage, SmsStatus
from app.sms.sweep import sweep_lost_sms
from tests import factories as f
from tests.sms.conftest import make_message, open_all_day, redis, statuses
from tests.sms.workers import finish, jobs_done, kill_everything, start_worker
from tests.waiting import wait_until


def test_rate_limit_holds_across_two_worker_processes(app, fake_vonage, tmp_path):
    rate = 4  # well under what two workers manage, so the shared bucket is what holds them back
    fake_vonage.set_rate_limit(rate)  # Vonage's own limit, at the configured rate
    dept = open_all_day()
    ids = [make_message(f.case(dept), now=clock.utcnow()) for _ in range(24)]

    workers = [start_worker(fake_vonage, tmp_path, f"w{i}", rate) for i in range(2)]
    assert [finish(w) for w in workers] == [0, 0]

    assert jobs_done(tmp_path, "w0") > 0 and jobs_done(tmp_path, "w1") > 0  # both sent
    assert fake_vonage.throttled_count() == 0
    assert fake_vonage.max_per_window(1.0) <= rate + 1
    assert sorted(fake_vonage.sent_per_client_ref().values()) == [1] * len(ids)
    assert set(statuses(ids).values()) == {SmsStatus.SENT}


@pytest.mark.parametrize("receipt", [True, False], ids=["receipt-arrives", "no-receipt"])
def test_killed_worker_and_flushed_redis_lose_nothing_and_send_nothing_twice(
        app, fake_vonage, tmp_path, receipt):
    from app.sms.receipts import apply_receipt

    dept = open_all_day()
    ids = [make_message(f.case(dept), now=clock.utcnow()) for _ in range(10)]
    fake_vonage.hang_next(1, 60, after=3)  # Vonage takes the 4th message and the worker dies waiting

    worker = start_worker(fake_vonage, tmp_path, "killed", 50)
    wait_until(lambda: fake_vonage.hanging() or worker.poll() is not None, what="the 4th send held")
    assert fake_vonage.hanging(), (tmp_path / "killed.log").read_text()
    kill_everything(worker)
    redis().flushdb()  # the FLUSHALL scenario: every job in flight is gone
    fake_vonage.release()
    [hung] = fake_vonage.hanging()
    hung_id = db.session.scalar(select(SmsMessage.id).where(SmsMessage.client_ref == hung.client_ref))
    assert statuses([hung_id]) == {hung_id: SmsStatus.SENDING}
    if receipt:  # the delivery receipt names the client-ref the worker never recorded
        for dlr in fake_vonage.receipts(hung.client_ref):
            assert apply_receipt(dlr, clock.utcnow()) == "updated"
        db.session.commit()

    later = clock.utcnow() + timedelta(minutes=11)
    assert sweep_lost_sms(later) == 6 + (0 if receipt else 1)  # the 6 never tried (+ the stuck one)
    assert finish(start_worker(fake_vonage, tmp_path, "new", 50)) == 0

    assert sorted(fake_vonage.sent_per_client_ref().values()) == [1] * len(ids)
    final = statuses(ids)
    assert final.pop(hung_id) == (SmsStatus.DELIVERED if receipt else SmsStatus.UNKNOWN)
    assert set(final.values()) == {SmsStatus.SENT}
