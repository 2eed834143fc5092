"""Fault-test fixtures: a private redis-server the app and its workers use (so a test may crash
or FLUSHALL it), plus the shared SMS fixtures (the fake Vonage over TLS)."""

import pytest

from tests.faults.redis_server import RedisServer
from tests.sms.conftest import fake_vonage  # noqa: F401 (a fixture)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: runs worker processes and servers for seconds")


@pytest.fixture
def own_redis(app, tmp_path):
    """A private redis-server; the app (its queue and rate limit) uses it until the test ends."""
    server = RedisServer(tmp_path / "redis").start()
    shared = use_redis(app, server.client(), server.url)
    yield server
    app.extensions["jobqueue"]["redis"].close()
    use_redis(app, *shared)
    server.crash()


def use_redis(app, connection, url: str) -> tuple:
    """Point the app's job queue at `connection`; returns what it used before."""
    state = app.extensions["jobqueue"]
    before = state["redis"], app.config["REDIS_URL"]
    state["redis"], app.config["REDIS_URL"] = connection, url
    app.extensions.pop("sms_ratelimit_script", None)  # bound to the old connection
    return before
