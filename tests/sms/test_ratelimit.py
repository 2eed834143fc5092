"""The SMS token bucket: one bucket in Redis for every worker, or one in the process."""

import pytest

from app import create_app
from app.extensions import db
from app.sms import ratelimit
from tests.conftest import test_config as make_config
from tests.sms.conftest import redis


def test_the_bucket_is_shared_by_every_app_on_the_same_redis(app):
    app.config["SMS_RATE_PER_SECOND"] = 0.5  # one token every two seconds
    other = create_app(make_config(SMS_RATE_PER_SECOND=0.5))  # another worker, another host
    assert ratelimit.reserve(0) == (True, 0.0)
    with other.app_context():
        granted, wait = ratelimit.reserve(0)
        db.engine.dispose()
    other.extensions["jobqueue"]["redis"].close()
    assert not granted and 0 < wait <= 2.0  # the other worker's token is gone already


def test_reservations_queue_up_one_interval_apart(app):
    app.config["SMS_RATE_PER_SECOND"] = 0.5
    assert ratelimit.reserve(10) == (True, 0.0)
    granted, first = ratelimit.reserve(10)
    assert granted and 0 < first <= 2.0
    granted, second = ratelimit.reserve(10)
    assert granted and 2.0 < second <= 4.0 and second - first == pytest.approx(2.0, abs=0.05)
    refused, wait = ratelimit.reserve(1)  # next free slot ~6 s away: nothing reserved
    assert not refused and 4.0 < wait <= 6.0
    assert ratelimit.reserve(10)[1] == pytest.approx(wait, abs=0.05)


def test_the_bucket_survives_a_flush_of_redis_and_of_its_script(app):
    app.config["SMS_RATE_PER_SECOND"] = 0.5
    assert ratelimit.reserve(0)[0]
    connection = redis()
    connection.script_flush()
    connection.flushdb()  # the FLUSHALL scenario, on our own db
    connection.close()
    assert ratelimit.reserve(0) == (True, 0.0)  # a fresh, full bucket
    assert not ratelimit.reserve(0)[0]


def test_without_redis_the_bucket_lives_in_the_process(app):
    app.extensions["jobqueue"]["redis"], saved = None, app.extensions["jobqueue"]["redis"]
    try:
        app.config["SMS_RATE_PER_SECOND"] = 0.5
        assert ratelimit.reserve(0) == (True, 0.0)
        granted, wait = ratelimit.reserve(0)
        assert not granted and 0 < wait <= 2.0
        assert redis().keys("sms:ratelimit:*") == []
    finally:
        app.extensions["jobqueue"]["redis"] = saved


def test_rate_zero_switches_the_limit_off(app):
    app.config["SMS_RATE_PER_SECOND"] = 0
    assert all(ratelimit.reserve(0) == (True, 0.0) for _ in range(100))
