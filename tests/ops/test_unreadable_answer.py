"""A response shaped after the commit, when the database went away in between: pydantic meets the
OperationalError while reading the row's reloaded attributes and wraps it in a ValidationError.
That answer is a 503 with Retry-After like any lost database (seen under load in
tests/faults/test_postgres_restart.py), and any other ValidationError stays a 500."""

import pytest
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import OperationalError

from app import create_app
from app.extensions import db
from tests.conftest import test_config as config_for_tests


class Shape(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int


class ExpiredRow:
    """Reading an attribute reloads it, and the server is gone."""

    @property
    def id(self):
        raise OperationalError("SELECT ...", {}, ConnectionError("server closed the connection"))


class WrongRow:
    id = "not a number"


@pytest.fixture
def shaping_app(_schema):
    app = create_app(config_for_tests(PROPAGATE_EXCEPTIONS=False))
    app.add_url_rule("/api/v1/test-expired", "expired", lambda: Shape.model_validate(ExpiredRow()))
    app.add_url_rule("/api/v1/test-wrong", "wrong", lambda: Shape.model_validate(WrongRow()))
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_lost_database_while_shaping_the_answer_is_a_503(shaping_app):
    response = shaping_app.test_client().get("/api/v1/test-expired")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "unavailable" in response.get_json()["error"]


def test_any_other_validation_error_is_still_a_500(shaping_app):
    assert shaping_app.test_client().get("/api/v1/test-wrong").status_code == 500
