"""The shared fixtures keep their promises (tests/conftest.py): what one test changes on the
session's app, in the database or in Redis is gone for the next. The tests of this file run in
order, on one worker (xdist's --dist loadfile)."""

import pytest
from sqlalchemy import func, select

from app.auth.models import Department
from app.cases.models import Case
from app.extensions import db
from app.queue import redis_connection
from tests import factories as f

SEEN = {}


def test_a_test_changes_the_app_the_database_and_redis(app):
    SEEN["app"] = app
    app.config["CLAIM_MINUTES"] = 99
    app.extensions["left-by-a-test"] = object()
    app.extensions["jobqueue"]["redis"].set("left-by-a-test", "1")
    app.extensions["jobqueue"]["redis"] = None  # as a test of the in-process mode does
    f.case(f.department("TAX"))
    assert redis_connection() is None


def test_the_next_test_gets_them_back(app):
    assert app is SEEN["app"]  # one app for the session
    assert app.config["CLAIM_MINUTES"] == 15
    assert "left-by-a-test" not in app.extensions
    assert redis_connection() is not None
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0
    assert redis_connection().dbsize() == 0


def test_ids_start_again_after_the_cleanup(app):
    redis_connection().set("left-by-a-test", "1")
    assert f.department("TAX").id == 1


def test_ids_start_again_for_the_next_test_too(app):
    assert f.department("WATER").id == 1
    assert db.session.scalar(select(func.count()).select_from(Department)) == 1
    assert redis_connection().get("left-by-a-test") is None


@pytest.mark.app_config(CLAIM_MINUTES=7)
def test_a_test_may_ask_for_an_app_of_its_own(app):
    assert app is not SEEN["app"]
    assert app.config["CLAIM_MINUTES"] == 7 and app.config["TESTING"]


def test_the_shared_app_is_back_after_an_own_one(app):
    assert app is SEEN["app"] and app.config["CLAIM_MINUTES"] == 15
