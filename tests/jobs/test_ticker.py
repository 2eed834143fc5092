"""The in-process ticker runs periodic jobs only when there is no Redis (the `make run` demo)."""

from app import create_app
from app.ticker import start_in_process
from tests.conftest import test_config as config_for_tests


def test_no_ticker_when_redis_is_configured(app):
    assert start_in_process(app) is None
    assert "ticker" not in app.extensions


def test_ticker_starts_once_without_redis(_schema):
    demo = create_app(config_for_tests(REDIS_URL=None))
    demo.extensions["ticker"] = "already running"  # a second call must not start another
    assert start_in_process(demo) is None
