"""Jobs asked for in a transaction start only when its outermost COMMIT happens: a SAVEPOINT
released on the way (the outbox and the call log insert under one) starts none, and a SAVEPOINT
rolled back drops none of the transaction's jobs."""

from redis import Redis
from rq import Queue

from app.extensions import db
from app.queue import enqueue_after_commit
from app.sms.jobs import send_sms as JOB
from tests.conftest import TEST_REDIS_URL


def queued() -> list[str]:
    connection = Redis.from_url(TEST_REDIS_URL)
    try:
        return Queue("sms", connection=connection).get_job_ids()
    finally:
        connection.close()


def test_a_released_savepoint_starts_no_job_before_the_commit(app):
    enqueue_after_commit(JOB, 1, queue="sms", job_id="first")
    with db.session.begin_nested():  # e.g. the next message's insert in the same transaction
        enqueue_after_commit(JOB, 2, queue="sms", job_id="second")
    assert queued() == []  # the worker would not see the rows yet
    db.session.commit()
    assert queued() == ["first", "second"]


def test_a_job_is_the_function_itself_under_its_real_name(app):
    enqueue_after_commit(JOB, 1, queue="sms", job_id="named")
    db.session.commit()
    connection = Redis.from_url(TEST_REDIS_URL)
    try:
        job = Queue("sms", connection=connection).fetch_job("named")
        assert (job.func_name, job.args) == ("app.sms.jobs.send_sms", (1,))  # not app.queue.execute
    finally:
        connection.close()


def test_a_rolled_back_savepoint_keeps_the_transactions_jobs(app):
    enqueue_after_commit(JOB, 1, queue="sms", job_id="kept")
    savepoint = db.session.begin_nested()  # e.g. a duplicate key caught by the outbox
    savepoint.rollback()
    db.session.commit()
    assert queued() == ["kept"]


def test_a_rollback_drops_the_jobs(app):
    enqueue_after_commit(JOB, 1, queue="sms", job_id="dropped")
    with db.session.begin_nested():
        pass
    db.session.rollback()
    db.session.commit()
    assert queued() == []
