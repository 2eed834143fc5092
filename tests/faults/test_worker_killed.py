"""Workers killed with SIGKILL mid-batch (the single-message case, with a flushed Redis, is in
tests/sms/test_dispatch_workers.py): of two `flask worker`s sending a batch, one dies while
Vonage holds its request, the other works on and then dies at an arbitrary moment. A new worker,
RQ's own clean-up of the dead workers' jobs and the sweep finish the batch: nothing sent twice,
the one Vonage took without answering resolved by its receipt, and nothing left in limbo."""

from datetime import timedelta
from pathlib import Path

import pytest
from rq.job import Job

from app import clock
from app.sms.sweep import sweep_lost_sms
from tests.faults.helpers import (
    assert_each_sent_once,
    cases_with_mobiles,
    messages,
    queue_one_each,
    round_the_clock,
    rq_gives_up_on_dead_workers,
    status_counts,
    wait_until,
)
from tests.sms.conftest import redis
from tests.sms.workers import finish, kill_everything, start_worker, stop

pytestmark = pytest.mark.slow
COUNT = 30


def worker_holding(client_ref: str, workers: dict, log_dir: Path):
    """The worker process whose job sent the message with `client_ref` (RQ records the name)."""
    [message] = [m for m in messages() if m.client_ref == client_ref]
    connection = redis()
    try:
        name = Job.fetch(message.job_id, connection=connection).worker_name
    finally:
        connection.close()
    [log_name] = [n for n in workers if f"Worker {name}: started" in (log_dir / f"{n}.log").read_text()]
    return workers[log_name]


def test_workers_killed_mid_batch_send_nothing_twice_and_leave_nothing_behind(
        app, client, fake_vonage, tmp_path):
    queue_one_each(cases_with_mobiles(round_the_clock(), COUNT))
    fake_vonage.hang_next(1, 60, after=8)  # Vonage takes the 11th and never answers in time
    workers = {name: start_worker(fake_vonage, tmp_path, name, 50) for name in ("a", "b")}
    try:
        wait_until(lambda: fake_vonage.hanging(), 180, "a request held by Vonage")
        [hung] = fake_vonage.hanging()
        first = worker_holding(hung.client_ref, workers, tmp_path)
        kill_everything(first)  # mid-send
        survivor = next(w for w in workers.values() if w is not first)
        taken = len(fake_vonage.accepted())
        wait_until(lambda: len(fake_vonage.accepted()) >= taken + 6 or survivor.poll() is not None,
                   180, "the other worker to work on")
        kill_everything(survivor)  # wherever it is: between jobs, waiting for a token, sending
        fake_vonage.release()

        # What happens later by itself: RQ's maintenance fails the dead workers' jobs, the sweep
        # (every minute) re-enqueues their messages and resolves the send cut off mid-way.
        connection = redis()
        rq_gives_up_on_dead_workers(connection)
        connection.close()
        client.application.config["VONAGE_ALLOW_UNSIGNED"] = True  # the fake's receipts are unsigned
        for dlr in fake_vonage.receipts(hung.client_ref):  # Vonage's receipt for the one it took
            assert client.post("/webhooks/vonage/status", json=dlr).status_code == 200
        sweep_lost_sms(clock.utcnow() + timedelta(minutes=11))
        assert finish(start_worker(fake_vonage, tmp_path, "new", 50)) == 0
    finally:
        stop(list(workers.values()))

    final = status_counts()
    assert final["delivered"] == 1 and final["sent"] >= COUNT - 2, final
    assert set(final) <= {"sent", "delivered", "unknown"}, final  # nothing queued, sending, failed
    assert final["unknown"] <= 1  # only if the second kill fell between marking and the answer
    assert_each_sent_once(fake_vonage, messages(), allowed=("sent", "delivered"))
