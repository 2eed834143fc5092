"""The SMS token bucket: one bucket in Redis for every worker, or one in the process.

The rate is one token every 100 s (RATE), so a loaded machine taking seconds between two calls
changes nothing the assertions look at (the bounds allow SLACK of them)."""

import pytest

from app import create_app
from app.extensions import db
from app.sms import ratelimit
from tests.conftest import test_config as make_config
from tests.sms.conftest import redis

RATE = 0.01  # tokens a second: one every INTERVAL
INTERVAL = 100.0
SLACK = 10.0  # seconds the machine may take between two calls of a test


def test_the_bucket_is_shared_by_every_app_on_the_same_redis(app):
    app.config["SMS_RATE_PER_SECOND"] = RATE
    other = create_app(make_config(SMS_RATE_PER_SECOND=RATE))  # another worker, another host
    assert ratelimit.reserve(0) == (True, 0.0)
    with other.app_context():
        granted, wait = ratelimit.reserve(0)
        db.engine.dispose()
    other.extensions["jobqueue"]["redis"].close()
    assert not granted and INTERVAL - SLACK < wait <= INTERVAL  # the other worker's token is gone


def test_reservations_queue_up_one_interval_apart(app):
    app.config["SMS_RATE_PER_SECOND"] = RATE
    horizon = 10 * INTERVAL
    assert ratelimit.reserve(horizon) == (True, 0.0)
    granted, first = ratelimit.reserve(horizon)
    assert granted and INTERVAL - SLACK < first <= INTERVAL
    granted, second = ratelimit.reserve(horizon)
    assert granted and 2 * INTERVAL - SLACK < second <= 2 * INTERVAL
    assert second - first == pytest.approx(INTERVAL, abs=SLACK)
    refused, wait = ratelimit.reserve(INTERVAL)  # next free slot ~3 intervals away: nothing reserved
    assert not refused and 3 * INTERVAL - SLACK < wait <= 3 * INTERVAL
    assert ratelimit.reserve(horizon)[1] == pytest.approx(wait, abs=SLACK)


def test_the_bucket_survives_a_flush_of_redis_and_of_its_script(app):
    app.config["SMS_RATE_PER_SECOND"] = RATE
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
        app.config["SMS_RATE_PER_SECOND"] = RATE
        assert ratelimit.reserve(0) == (True, 0.0)
        granted, wait = ratelimit.reserve(0)
        assert not granted and INTERVAL - SLACK < wait <= INTERVAL
        assert redis().keys("sms:ratelimit:*") == []
    finally:
        app.extensions["jobqueue"]["redis"] = saved


def test_rate_zero_switches_the_limit_off(app):
    app.config["SMS_RATE_PER_SECOND"] = 0
    assert all(ratelimit.reserve(0) == (True, 0.0) for _ in range(100))
